/// The one error type every tool reports, carrying the exit status that
/// DESIGN.md assigns to its kind.
///
/// Messages follow the coreutils form: lowercase, no final period, and
/// prefixed with `file:line:` when they come from an input line, so that
/// `evchain: stdin:17: expected "digest" (string of 64 hex digits)` points
/// the operator at the exact place.
public struct EvidenceError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The work ran and found a failure (mismatch, bad proof, missing item).
        case failure
        /// Bad invocation or bad input data.
        case usage
        /// Bad input data (same exit status as usage).
        case input
        /// File, lock, library or network trouble.
        case io
    }

    public var kind: Kind
    public var message: String
    /// Where the problem is, e.g. `stdin:17` or `chain.jsonl:3`; nil when global.
    public var location: String?

    public init(_ kind: Kind, _ message: String, at location: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public static func input(_ message: String, at location: String? = nil) -> EvidenceError {
        EvidenceError(.input, message, at: location)
    }
    public static func usage(_ message: String) -> EvidenceError { EvidenceError(.usage, message) }
    public static func io(_ message: String, at location: String? = nil) -> EvidenceError {
        EvidenceError(.io, message, at: location)
    }
    public static func failure(_ message: String, at location: String? = nil) -> EvidenceError {
        EvidenceError(.failure, message, at: location)
    }

    /// The same error attributed to an input location (keeps an existing one).
    public func located(_ location: String) -> EvidenceError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }

    public var exitStatus: Int32 { ExitStatus.forKind(kind) }

    public var description: String {
        // An empty file name would read as `evhash: : cannot open`.
        if let location { return "\(location.isEmpty ? "(empty file name)" : location): \(message)" }
        return message
    }
}

/// Exit statuses shared by all tools (DESIGN.md, "Conventions").
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
    public static let io: Int32 = 3

    static func forKind(_ kind: EvidenceError.Kind) -> Int32 {
        switch kind {
        case .failure: return failure
        case .usage, .input: return usage
        case .io: return io
        }
    }
}

/// A setting chosen by whoever runs the library, as an error message names
/// it. The library never spells a command-line flag: it names the setting
/// ("witness-key"), and the program that took the setting from its user says
/// how it is spelt there, once, through `spelling` (EvidenceCLI: `--witness-key`,
/// `-o`). Messages are built when thrown, so the spelling is set first.
public struct Setting: Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }

    nonisolated(unsafe) public static var spelling: @Sendable (String) -> String = { $0 }

    public var description: String { Setting.spelling(name) }
}
