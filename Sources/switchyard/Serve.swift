import Config

/// Placeholder until the Proxy module serves traffic: the lead replaces this file, nothing else uses it.
func serve(_ configuration: Configuration, _ invocation: Invocation) -> Int32 {
    ErrorOutput(logFile: invocation.errorLog).line("switchyard: [emerg] serving is not built yet")
    return 1
}
