import Glibc
import EvidenceCore
import EvidenceSupport

/// JSONL inputs the way every tool takes them: files named on the command
/// line, `-` for stdin, stdin when none is named — but never an
/// interactive terminal, where a filter would just sit waiting.
public enum Inputs {
    /// Throws when `paths` means stdin (none, or `-`) and stdin is a terminal.
    public static func refuseTerminal(_ paths: [String], what: String) throws {
        if (paths.isEmpty || paths.contains("-")) && isatty(0) == 1 {
            throw EvidenceError.usage("refusing to read \(what) from a terminal; pipe them in or name a file")
        }
    }

    public static func open(_ paths: [String], maximumLineLength: Int = JSONLinesReader.defaultMaximumLineLength,
                            what: String = "JSON Lines") throws -> [JSONLinesReader] {
        try refuseTerminal(paths, what: what)
        let names = paths.isEmpty ? ["-"] : paths
        return try names.map { try JSONLinesReader.open($0, maximumLineLength: maximumLineLength) }
    }
}
