/// ngx_http_ssi_module directives, with nginx's contexts (`ssi` also in `if` in a location, IfContext) and its
/// validation wording.
extension DirectiveTable {
    static var ssi: [DirectiveSpec] {
        [
        DirectiveSpec("ssi", anyHTTPLevel, .exactly(1), .flag(\.modules.ssi.$enabled)),
        DirectiveSpec("ssi_types", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.ssi.$types, Values.mimeTypes)),
        DirectiveSpec("ssi_last_modified", anyHTTPLevel, .exactly(1), .flag(\.modules.ssi.$lastModified)),
        DirectiveSpec("ssi_min_file_chunk", anyHTTPLevel, .exactly(1), .size(\.modules.ssi.$minFileChunk)),
        DirectiveSpec("ssi_silent_errors", anyHTTPLevel, .exactly(1), .flag(\.modules.ssi.$silentErrors)),
        DirectiveSpec("ssi_value_length", anyHTTPLevel, .exactly(1), .size(\.modules.ssi.$valueLength)),   // a size slot in nginx
        ]
    }
}
