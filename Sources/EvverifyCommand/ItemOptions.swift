import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct ItemOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Files of items (manifest lines or evidence records); '-' or none: stdin.", valueName: "file"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Directory that manifest paths resolve under (default: the current directory); evidence records are refused with it.", valueName: "dir"))
    var root: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("HMAC key for items logged with keyed digests.", valueName: "file"))
    var keyFile: String?

    @Option(name: .customLong("require-stages"), help: ArgumentHelp("Stages every contract must have in the log, comma-separated.", valueName: "list"))
    var requireStages: String?

    @Flag(name: .customLong("records-only"), help: "The items are evidence records: compare their digests with the log without reading the originals (verdicts say checked: record).")
    var recordsOnly = false

    @Flag(help: "Report every entry of the items' contracts that no item presents, as missing; each contract's entries must reproduce its proof in the contract index (--chain or --proofs).")
    var complete = false

    @Flag(name: .customLong("accept-bank-index"), help: "With --complete or --require-stages: accept a contract index that no --index-witness vouched for (the bank's own signature alone); the verdicts say so.")
    var acceptBankIndex = false

    @Option(name: .customLong("logged-before"), help: ArgumentHelp("Only entries a timestamp or witness quorum attests as logged before this RFC 3339 time count (never the bank's clock).", valueName: "time"))
    var loggedBefore: String?

    @Flag(name: .customLong("accept-relogged"), help: "Accept an item whose id was also logged with another digest (still listed as conflicts).")
    var acceptRelogged = false

    func setup(_ trust: TrustOptions) -> VerificationSetup {
        var s = VerificationSetup(logKey: trust.keys.logKey)
        s.chainPath = trust.chain
        s.proofsPath = trust.proofs
        s.tilesLocation = trust.tiles
        s.tileFetch = trust.tiles.map { TileSource.fetch($0, client: trust.network.client()) }
        s.checkpointPath = trust.checkpoint
        s.timestampPath = trust.timestamp
        s.witnessKeys = trust.keys.witnessKeys
        s.indexWitnessKeys = trust.keys.indexWitnessKeys
        s.quorum = trust.keys.quorum
        s.noWitness = trust.keys.noWitness
        s.tsaCAFile = trust.keys.tsaCA
        s.root = root
        s.keyFile = keyFile
        s.recordsOnly = recordsOnly
        s.requiredStages = requireStages.map { $0.split(separator: ",").map(String.init) } ?? []
        s.complete = complete
        s.loggedBefore = loggedBefore
        s.acceptRelogged = acceptRelogged
        s.acceptBankIndex = acceptBankIndex
        return s
    }

    /// No items is an error (exit 2), as `sha256sum -c` on no lines fails:
    /// an empty file or a mistyped filter must not read as a pass.
    func verify(_ trust: TrustOptions,
                render: EvidenceVerifier.Renderer? = nil, progress: Progress? = nil) throws -> (EvidenceVerifier, EvidenceVerifier.Report) {
        var setup = setup(trust)
        setup.requiresItems = true
        let verifier = try setup.makeVerifier()
        let items = try VerificationItem.readAll(try Inputs.open(inputs, what: "items"))
        progress?.setTotal(items: items.count)
        return (verifier, try verifier.verify(items, render: render, progress: progress?.handler))
    }
}
