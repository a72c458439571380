import ArgumentParser
import EvidenceCLI
import EvidenceCore
import Glibc

/// How items are read: files (or stdin), key fields, bucket.
struct ItemArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Item files (JSON Lines); none or '-' reads stdin.", valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("key"), help: ArgumentHelp("Comma-separated fields whose values form the item compared (both parties alike).", valueName: "fields"))
    var keyFields: String = "id"

    @Option(help: ArgumentHelp("Split items into this many buckets by a keyed hash; run one job per bucket.", valueName: "k"))
    var buckets: Int = 1

    @Option(help: ArgumentHelp("The bucket (0-based) this job handles.", valueName: "i"))
    var bucket: Int = 0

    @Option(name: .customLong("bucket-key"), help: ArgumentHelp("Secret file (0600) keying the bucket hash, shared by both parties.", valueName: "file"))
    var bucketKey: String?

    func reader() throws -> PSIItemReader {
        try refuseTerminal(files)
        let key = try bucketKey.map { try SecretFile.read($0) } ?? []
        let fields = keyFields.split(separator: ",").map { String($0) }
        return try PSIItemReader(paths: files, options: PSIItemOptions(keyFields: fields, buckets: buckets, bucket: bucket, bucketKey: key))
    }
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
