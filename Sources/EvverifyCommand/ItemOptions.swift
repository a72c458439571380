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

    @Option(name: .customLong("receipts"), help: ArgumentHelp("With --complete: a customer's receipt ('evchain receipt') whose entries the case must hold unchanged, its contract's index extending the receipt's. Repeatable.", valueName: "file"))
    var receipts: [String] = []

    @Option(name: .customLong("id-memory"), help: ArgumentHelp("Bytes the ids seen (duplicate ids) may take before they spill to disk under $TMPDIR (default 33554432).", valueName: "bytes"),
            transform: IntegerOption.parser(RecordIDTable.minimumMemory...IntegerOption.maximumLength))
    var idMemory = EvidenceVerifier.Options.defaultIDMemory

    @Option(name: .customLong("output-memory"), help: ArgumentHelp("Bytes of verdicts held in memory until the run ends (nothing is written when an item is bad) before they go to disk under $TMPDIR (default 8388608).", valueName: "bytes"),
            transform: IntegerOption.parser(1...IntegerOption.maximumLength))
    var outputMemory = SpooledOutput.defaultMemory

    func validate() throws {
        if !receipts.isEmpty && !complete {
            throw ValidationError("--receipts needs --complete: a receipt is held against all of its contract's entries")
        }
    }

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
        s.idMemory = idMemory
        s.outputMemory = outputMemory
        return s
    }

    /// No items is an error (exit 2), as `sha256sum -c` on no lines fails:
    /// an empty file or a mistyped filter must not read as a pass.
    func verify(_ trust: TrustOptions,
                render: EvidenceVerifier.Renderer? = nil, progress: Progress? = nil) throws -> (EvidenceVerifier, EvidenceVerifier.Report) {
        var setup = setup(trust)
        setup.requiresItems = true
        let verifier = try setup.makeVerifier()
        let readers = try Inputs.open(inputs, what: "items")
        let sizes = readers.map(\.remainingBytes)
        if !sizes.contains(where: { $0 == nil }) { progress?.setTotal(bytes: sizes.reduce(0) { $0 + $1! }) }
        var report = try verifier.verify(readers, render: render, progress: progress?.handler)
        if !receipts.isEmpty {
            let files = try receipts.map { (name: $0, bytes: try DurableFile.readAll($0)) }
            report.receipts = try verifier.hold(receipts: files, report: report, requirements: try trust.keys.requirements(),
                                                acceptBankIndex: acceptBankIndex)
        }
        return (verifier, report)
    }
}
