import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

/// How items are read: files (or stdin), key fields, bucket.
struct ItemArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Item files (JSON Lines); none or '-' reads stdin.", valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("key"), help: ArgumentHelp("Comma-separated fields whose values form the item compared (both parties alike).", valueName: "fields"))
    var keyFields: String = "id"

    @Option(help: ArgumentHelp("Split items into this many buckets (1…65536) by a keyed hash; run one job per bucket.", valueName: "k"))
    var buckets: Int = 1

    @Option(help: ArgumentHelp("The bucket (0-based) this job handles; required with --buckets above 1.", valueName: "i"))
    var bucket: Int?

    @Option(name: .customLong("bucket-key"), help: ArgumentHelp("Secret file (0600) keying the bucket hash, shared by both parties.", valueName: "file"))
    var bucketKey: String?

    func validate() throws {
        // Without --bucket a job would quietly handle bucket 0 only.
        if buckets > 1 && bucket == nil {
            throw ValidationError("--buckets \(buckets) needs --bucket i: each job handles one bucket")
        }
        // The parser reports errors of validate() as its own only when they are ValidationErrors.
        do { try PSIItemOptions(keyFields: fieldList(keyFields), buckets: buckets, bucket: bucket ?? 0).validate() } catch let e as EvidenceError {
            throw ValidationError(e.message)
        }
    }

    /// The items, their count told to `progress` as they are read.
    func reader(_ progress: Progress? = nil) throws -> PSIItemReader {
        try refuseTerminal(files)
        let key = try bucketKey.map { try SecretFile.read($0) } ?? []
        let reader = try PSIItemReader(paths: files, options: PSIItemOptions(keyFields: fieldList(keyFields), buckets: buckets,
                                                                              bucket: bucket ?? 0, bucketKey: key))
        reader.onDuplicate = { Diagnostics.warn($0) }
        reader.progress = progress?.handler
        return reader
    }
}

/// "id,name" → ["id", "name"]; empty names are kept so that validation names them.
func fieldList(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map { String($0) }
}

/// A filter given no files must not sit waiting on an interactive terminal.
func refuseTerminal(_ files: [String]) throws {
    try Inputs.refuseTerminal(files, what: "items")
}

func printSummary(_ o: JSONObject) { StandardOutput.shared.writeLine(.object(o)) }

/// Party B's Paillier private key, for the steps that decrypt.
struct PaillierKeyOption: ParsableArguments {
    @Option(name: .customLong("paillier-key"), help: ArgumentHelp("B's Paillier private key (phe JWK, mode 0600).", valueName: "file"))
    var path: String

    @Flag(name: .customLong("insecure-test-key"), help: "Accept a Paillier key below 2048 bits (tests only).")
    var insecure = false

    func load() throws -> PaillierPrivateKey { try PaillierPrivateKey.load(path, allowInsecure: insecure) }
}

/// The fields pairing B's and A's rows in a comparison.
struct JoinOption: ParsableArguments {
    @Option(name: .customLong("join"), help: ArgumentHelp("Comma-separated fields pairing B's and A's rows (both parties alike); rows are never paired by line order.", valueName: "fields"))
    var text: String = "id"

    var fields: [String] { fieldList(text) }
}

/// What B learns, from the two flags of `psi request` and `psi respond`.
func psiMode(cardinalityOnly: Bool, labels: Bool) throws -> PSIMode {
    guard !(cardinalityOnly && labels) else { throw ValidationError("--cardinality-only and --labels exclude each other") }
    return cardinalityOnly ? .cardinality : (labels ? .labels : .intersection)
}

/// Value lines (paillier encrypt/decrypt, compare), never from a terminal.
func readLines(_ files: [String]) throws -> [(JSONObject, String)] {
    try refuseTerminal(files)
    return try PrivateComparison.readItems(files)
}

/// An enumerated option's value, refused with `refusal` (the parser adds
/// which value and option it was).
func enumerated<E: RawRepresentable>(_ text: String, refusal: String) throws -> E where E.RawValue == String {
    guard let value = E(rawValue: text) else { throw ValidationError(refusal) }
    return value
}
