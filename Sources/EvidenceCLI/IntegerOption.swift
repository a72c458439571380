import ArgumentParser
import EvidenceSupport

/// Whole-number options, parsed with their bounds: the one way the tools
/// read them, so that `--max-line-length 9223372036854775807` is a usage
/// error (exit 2) naming the option and its range, not a crash later.
///
///     @Option(transform: IntegerOption.parser(1...IntegerOption.maximumLength))
///     var maximumLineLength = JSONLinesReader.defaultMaximumLineLength
public enum IntegerOption {
    /// The largest length, count or size in bytes an option accepts: 1 GiB.
    public static let maximumLength = 1 << 30
    /// The most witnesses (notaries) a quorum can count: far more than any
    /// deployment has.
    public static let maximumWitnesses = 1024

    public static func parser(_ range: ClosedRange<Int>) -> @Sendable (String) throws -> Int {
        { text in
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
    }
}
