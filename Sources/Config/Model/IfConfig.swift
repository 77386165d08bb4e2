/// `if (condition) { … }`: a step of the rewrite script. In a location its block is nginx's implicit nested
/// location: the settings written inside apply to the request once the condition holds.
public struct IfBlock: Sendable, Equatable {
    public let condition: IfCondition
    /// The rewrite-module steps inside the block, run in order when the condition holds.
    public var steps: [RewriteStep]
    /// The block's own settings (merged from the enclosing level by `finish()`); nil in server context.
    public var settings: HTTPSettings? {
        get { settingsBox?.value }
        set { settingsBox = newValue.map(SettingsBox.init) }
    }
    /// Boxed (SettingsBox.swift): inline, the 2.9 KB made every RewriteStep that large, and copying a `return`
    /// step cost as much as copying the settings.
    private var settingsBox: SettingsBox?
    /// A content handler of its own (`proxy_pass` inside the `if`).
    public var handler: LocationHandler?
    public let location: SourceLocation

    init(condition: IfCondition, steps: [RewriteStep], settings: HTTPSettings?, handler: LocationHandler?,
         location: SourceLocation) {
        self.condition = condition
        self.steps = steps
        self.settingsBox = settings.map(SettingsBox.init)
        self.handler = handler
        self.location = location
    }

    public static func == (a: IfBlock, b: IfBlock) -> Bool {
        a.condition == b.condition && a.steps == b.steps && a.location == b.location
    }
}

/// nginx's `if` conditions.
public enum IfCondition: Sendable, Equatable {
    /// `if ($var)`: false when the value is empty or "0".
    case variable(Template)
    /// `=` / `!=`: the value against a (possibly variable) string.
    case compare(Template, Template, negated: Bool)
    /// `~`, `~*`, `!~`, `!~*`; a match sets the captures.
    case regex(Template, pattern: String, caseInsensitive: Bool, negated: Bool)
    /// `-f`, `-d`, `-e`, `-x` and their `!` forms.
    case file(Template, test: FileTest, negated: Bool)

    public enum FileTest: String, Sendable { case file = "f", directory = "d", exists = "e", executable = "x" }
}

/// `rewrite_log` and `uninitialized_variable_warn`.
public struct RewriteSettings: Sendable {
    /// Log each rewrite's match at `notice` in the error log.
    @Setting public var log: Bool = false
    /// Warn when a script reads a `set` variable no one has set.
    @Setting public var uninitializedWarn: Bool = true

    public init() {}
}

extension Array where Element == RewriteStep {
    /// Every `set $name` in these steps and in the `if` blocks among them, in order.
    public var setNames: [String] {
        var names: [String] = []
        for step in self {
            switch step {
            case .set(let variable, _, _): names.append(variable)
            case .if(let block): names += block.steps.setNames
            default: break
            }
        }
        return names
    }
}
