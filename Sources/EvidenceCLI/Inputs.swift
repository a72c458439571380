import EvidenceCore
#if canImport(Glibc)
import Glibc
#endif

/// JSONL inputs the way every tool takes them: files named on the command
/// line, `-` for stdin, stdin when none is named — but never an
/// interactive terminal, where a filter would just sit waiting.
public enum Inputs {
    public static func open(_ paths: [String], maximumLineLength: Int = JSONLinesReader.defaultMaximumLineLength,
                            what: String = "JSON Lines") throws -> [JSONLinesReader] {
        let names = paths.isEmpty ? ["-"] : paths
        if names.contains("-") && isatty(0) == 1 {
            throw EvidenceError.usage("refusing to read \(what) from a terminal; pipe them in or name a file")
        }
        return try names.map { try JSONLinesReader.open($0, maximumLineLength: maximumLineLength) }
    }
}
