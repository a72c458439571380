import ArgumentParser
import EvidenceCore

/// An option that takes one of a fixed set of words, read by the parser into
/// a typed value (`ExpressibleByArgument`):
///
///     @Option(help: …) var format: CatalogueFormat = .jsonl
///
/// A bad value is a usage error (exit 2) whose whole message is the type's
/// `badValueMessage`, e.g. `evcatalog: --format takes jsonl, csv, md or html`:
/// `init?(argument:)` records it and `ToolMain` prints it in place of the
/// parser's "The value … is invalid" line. The help lists no values beyond
/// the option's own text (the man pages document them).
public protocol ChoiceArgument: ExpressibleByArgument {
    /// The one-line usage error for a value that is none of the choices.
    static var badValueMessage: String { get }
}

extension ChoiceArgument {
    /// `value`, or nil with `badValueMessage` recorded for `ToolMain`.
    public static func chosen(_ value: Self?) -> Self? {
        if value == nil { ChoiceError.last = ChoiceError(badValueMessage) }
        return value
    }
}

extension ChoiceArgument where Self: RawRepresentable, RawValue == String {
    public init?(argument: String) {
        guard let value = Self.chosen(Self(rawValue: argument)) else { return nil }
        self = value
    }
}

extension ChoiceArgument where Self: RawRepresentable, RawValue == String, Self: CaseIterable {
    public static var allValueStrings: [String] { [] }
}

/// A value that is none of an option's choices.
struct ChoiceError {
    let message: String
    init(_ message: String) { self.message = message }

    /// The last one recorded: the parser stops at the first bad value.
    nonisolated(unsafe) static var last: ChoiceError?

    /// The recorded message in place of the parser's own text for a value
    /// it could not read; any other text as it is.
    static func usageMessage(_ parserMessage: String) -> String {
        guard let last, parserMessage.hasPrefix("The value '") else { return parserMessage }
        return last.message
    }
}

extension CatalogueFormat: ExpressibleByArgument, ChoiceArgument {
    public static let badValueMessage = "--format takes jsonl, csv, md or html"
}

extension CatalogueLanguage: ExpressibleByArgument, ChoiceArgument {
    public static let badValueMessage = "--lang takes zh or en"
}

extension ManifestHasher.KeyedScope: ExpressibleByArgument, ChoiceArgument {
    public static let badValueMessage = "--keyed takes 'all' or 'data'"
}

/// `evhash --keep`: the identifying fields a record carries, a
/// comma-separated subset of path, name and none.
public struct KeptFields: ChoiceArgument, Sendable {
    public static let badValueMessage = "--keep takes path, name or none (comma-separated)"
    public var path: Bool
    public var name: Bool
    private let text: String

    public init?(argument: String) {
        let words = Set(argument.split(separator: ",").map(String.init))
        guard words.isSubset(of: ["path", "name", "none"]) else {
            _ = KeptFields.chosen(nil)
            return nil
        }
        (path, name, text) = (words.contains("path"), words.contains("name"), argument)
    }

    public var defaultValueDescription: String { text }
}
