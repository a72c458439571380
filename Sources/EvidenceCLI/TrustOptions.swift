import ArgumentParser
import EvidenceCore
import EvidenceLog

/// Whom to trust: the log's key, the witnesses' keys and quorum, the TSA's CA.
public struct KeyOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("log-key"), help: ArgumentHelp("The log's verifier key (name+keyid+base64, or a file holding it).", valueName: "vkey"))
    public var logKey: String

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("A witness (notary) verifier key. Repeatable.", valueName: "vkey"))
    public var witnessKeys: [String] = []

    @Option(name: .customLong("index-witness"), help: ArgumentHelp("A witness verifier key whose operator declares it also verifies the contract index ('evchain cosign --index'); it counts as a --witness-key too. Repeatable.", valueName: "vkey"))
    public var indexWitnessKeys: [String] = []

    @Option(help: ArgumentHelp("Valid cosignatures required among the distinct witness keys (default: 1).", valueName: "k"),
            transform: IntegerOption.parser(0...IntegerOption.maximumWitnesses))
    public var quorum: Int?

    @Flag(name: .customLong("no-witness"), help: "Accept a checkpoint with no witness cosignature checked (the log's own signature alone).")
    public var noWitness = false

    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("CA certificates (PEM): require a valid RFC 3161 token on the checkpoint.", valueName: "file"))
    public var tsaCA: String?

    public func requirements() throws -> CheckpointTrust.Requirements {
        try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: witnessKeys, indexWitnessKeys: indexWitnessKeys,
                                         quorum: quorum, tsaCAFile: tsaCA, noWitness: noWitness)
    }
}

/// Where the entries and the checkpoint come from, and whom to trust.
public struct TrustOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("The evidence log (as evchain writes it).", valueName: "chain"))
    public var chain: String?

    @Option(help: ArgumentHelp("A proof bundle from 'evchain prove' instead of the log.", valueName: "file"))
    public var proofs: String?

    @Option(help: ArgumentHelp("A tiles directory or http(s):// URL from 'evchain tiles' instead of the log.", valueName: "dir|url"))
    public var tiles: String?

    @Option(help: ArgumentHelp("The signed (and cosigned) checkpoint; default: the chain's latest, the bundle's, or the published one.", valueName: "file"))
    public var checkpoint: String?

    @OptionGroup public var keys: KeyOptions

    @Option(help: ArgumentHelp("The checkpoint's timestamp token (default: CHECKPOINT.tsr when present).", valueName: "file"))
    public var timestamp: String?

    /// For a --tiles URL.
    @OptionGroup public var network: NetworkOptions
}

/// The checkpoints `evchain audit` checks the recomputed tree against, and
/// whom to trust for them; the checks are `ChainStore.auditCheckpoints`.
public struct AuditTrustOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("Also check this checkpoint (repeatable).", valueName: "file"))
    public var checkpoint: [String] = []

    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify checkpoint signatures with this verifier key.", valueName: "vkey"))
    public var logKey: String?

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("Require a valid cosignature by this witness verifier key on --checkpoint files (repeatable).", valueName: "vkey"))
    public var witnessKeys: [String] = []

    @Option(name: .customLong("index-witness"), help: ArgumentHelp("Like --witness-key, for a witness that also verifies the contract index ('evchain cosign --index') (repeatable).", valueName: "vkey"))
    public var indexWitnessKeys: [String] = []

    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("Verify each --checkpoint's FILE.tsr timestamp with this CA (PEM).", valueName: "file"))
    public var tsaCA: String?

    public func validate() throws {
        // CHAIN.checkpoint is not required to be cosigned or stamped: with no
        // --checkpoint these options would check nothing yet let audit pass.
        let witnesses = !witnessKeys.isEmpty || !indexWitnessKeys.isEmpty
        if (tsaCA != nil || witnesses) && checkpoint.isEmpty {
            throw ValidationError("--tsa-ca, --witness-key and --index-witness check --checkpoint files: give at least one --checkpoint")
        }
        if tsaCA != nil && logKey == nil {
            throw ValidationError("--tsa-ca needs --log-key: a token covers the checkpoint as the log signed it")
        }
        if witnesses && logKey == nil {
            throw ValidationError("--witness-key and --index-witness need --log-key: a witness is independent only of a known log key")
        }
    }

    /// The given checkpoints, then CHAIN.checkpoint, each checked.
    public func checkpoints(of store: ChainStore) throws -> [Checkpoint] {
        try store.auditCheckpoints(checkpoint, logKey: try logKey.map(KeyFile.readVerifier),
                                   witnessKeys: try witnessKeys.map(KeyFile.readVerifier),
                                   indexWitnessKeys: try indexWitnessKeys.map(KeyFile.readVerifier), tsaCAFile: tsaCA)
    }
}
