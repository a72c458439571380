import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// Turns the options a verifier gives on the command line into an
/// `EvidenceVerifier`: opens the log or the proof bundle, reads the
/// checkpoint (and its timestamp token) and evaluates its signatures.
public struct VerificationSetup: Sendable {
    public var chainPath: String?
    public var proofsPath: String?
    /// A tlog-tiles directory or URL, read through `tileFetch`.
    public var tilesLocation: String?
    public var tileFetch: TileFetch?
    public var checkpointPath: String?
    public var timestampPath: String?
    public var logKey: String
    public var witnessKeys: [String] = []
    /// Witness keys that also verify the contract index (`--index-witness`).
    public var indexWitnessKeys: [String] = []
    public var quorum: Int?
    public var tsaCAFile: String?
    public var noWitness = false
    /// Nil: the current directory, and evidence records are accepted as items.
    public var root: String?
    public var keyFile: String?
    /// The items are evidence records, checked without their originals.
    public var recordsOnly = false
    public var requiredStages: [String] = []
    public var complete = false
    public var loggedBefore: String?
    public var acceptRelogged = false
    /// Completeness may rest on the bank's own signature of the index.
    public var acceptBankIndex = false
    /// Bounds on what a run keeps in memory (`EvidenceVerifier.Options`).
    public var idMemory = EvidenceVerifier.Options.defaultIDMemory
    public var outputMemory = SpooledOutput.defaultMemory
    /// Set by certify: a certificate of nothing is refused.
    public var requiresItems = false

    public init(logKey: String) { self.logKey = logKey }

    public func makeVerifier() throws -> EvidenceVerifier {
        guard [chainPath, proofsPath, tilesLocation].compactMap({ $0 }).count == 1 else {
            throw EvidenceError.usage("give one of \(Setting("chain")), \(Setting("proofs")) or \(Setting("tiles"))")
        }
        let requirements = try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: witnessKeys,
                                                           indexWitnessKeys: indexWitnessKeys, quorum: quorum, tsaCAFile: tsaCAFile, noWitness: noWitness)
        for stage in requiredStages where !Stage.isValidName(stage) {
            throw EvidenceError.usage("\(Setting("require-stages")): \"\(stage)\" is not a stage name")
        }

        var cutoff: RFC3339.Timestamp? = nil
        if let loggedBefore {
            guard let t = RFC3339.parse(loggedBefore) else {
                throw EvidenceError.usage("\(Setting("logged-before")): expected an RFC 3339 time such as 2026-03-01T00:00:00Z, found \"\(loggedBefore)\"")
            }
            cutoff = t
        }

        var source: EvidenceVerifier.Source? = nil
        var noteBytes: [UInt8]
        var notePath: String
        if let chainPath {
            let store = try ChainStore(path: chainPath, access: .read)
            source = .chain(store)
            notePath = checkpointPath ?? ChainStore.checkpointPath(chainPath)
            guard DurableFile.exists(notePath) else {
                throw EvidenceError.usage("no checkpoint: give \(Setting("checkpoint")) (or seal one with 'evchain checkpoint')")
            }
            noteBytes = try DurableFile.readAll(notePath)
        } else if let tilesLocation, let tileFetch {
            notePath = checkpointPath ?? tilesLocation + "/checkpoint"
            if let checkpointPath {
                noteBytes = try DurableFile.readAll(checkpointPath)
            } else {
                guard let bytes = try tileFetch("checkpoint") else {
                    throw EvidenceError.io("not found: no checkpoint published", at: notePath)
                }
                noteBytes = bytes
            }
        } else {
            var bundle = ProofBundle()
            try bundle.read(try JSONLinesReader.open(proofsPath!, maximumLineLength: 1 << 20))
            source = .bundle(bundle)
            if let checkpointPath {
                notePath = checkpointPath
                noteBytes = try DurableFile.readAll(checkpointPath)
            } else {
                guard let first = bundle.firstCheckpoint else {
                    throw EvidenceError.input("the proof bundle is empty and no \(Setting("checkpoint")) is given", at: proofsPath!)
                }
                notePath = proofsPath!
                noteBytes = Array(first.utf8)
            }
        }
        var token: [UInt8]? = nil
        let tokenPath = timestampPath ?? notePath + ".tsr"
        if timestampPath != nil || (DurableFile.exists(tokenPath) && notePath != proofsPath) {
            token = try DurableFile.readAll(tokenPath)
        }
        let trust: CheckpointTrust
        do {
            trust = try CheckpointTrust(noteBytes: noteBytes, timestampToken: token, requirements: requirements)
        } catch let e as EvidenceError {
            throw e.located(notePath)
        }
        var options = EvidenceVerifier.Options(root: try RootDirectory(root ?? "."))
        options.rootGiven = root != nil
        if recordsOnly && root != nil {
            throw EvidenceError.usage("\(Setting("records-only")) and \(Setting("root")): records are checked without their originals, so there is nothing to read under \(Setting("root"))")
        }
        options.recordsOnly = recordsOnly
        options.key = try keyFile.map(HMACKey.load)
        options.requiredStages = requiredStages
        options.complete = complete
        options.loggedBefore = cutoff
        options.loggedBeforeText = loggedBefore.flatMap(RFC3339.normalize)
        options.acceptRelogged = acceptRelogged
        options.acceptBankIndex = acceptBankIndex
        options.idMemory = idMemory
        options.outputMemory = outputMemory
        options.requiresItems = requiresItems || complete || !requiredStages.isEmpty
        // A tiles source reads the tree of the checkpoint's size.
        let resolved = source ?? .tiles(TileLog(treeSize: trust.checkpoint.size, fetch: tileFetch!))
        return EvidenceVerifier(source: resolved, trust: trust, options: options,
                                attested: pastCheckpoints(resolved, trust: trust, requirements: requirements))
    }

    /// The past checkpoints the source holds, checked under the same trust
    /// as the main one (see `AttestedTimes`).
    func pastCheckpoints(_ source: EvidenceVerifier.Source, trust: CheckpointTrust,
                         requirements: CheckpointTrust.Requirements) -> AttestedTimes {
        let size = trust.checkpoint.size
        switch source {
        case .chain(let store):
            let dir = KeptCheckpoints.directory(ofChain: store.path)
            let tree = store.tree
            return AttestedTimes(main: trust, requirements: requirements, sizes: KeptCheckpoints.sizes(in: dir),
                                 load: { try KeptCheckpoints.read(dir, size: $0).map { AttestedTimes.Past(note: $0.note, token: $0.token) } },
                                 prove: { try tree.consistencyProof(oldSize: $0, newSize: size) })
        case .bundle(let bundle):
            var past: [UInt64: AttestedTimes.Past] = [:]
            for line in bundle.lines {
                if let a = line.attestation, past[a.size] == nil { past[a.size] = a.past }
            }
            return AttestedTimes(main: trust, requirements: requirements, sizes: Array(past.keys),
                                 load: { past[$0] }, prove: { _ in [] })
        case .tiles(let log):
            // The published index is read now; a missing one means no past checkpoints.
            let sizes: [UInt64]
            do {
                sizes = try log.fetchFile(KeptCheckpoints.indexPath)
                    .map { try KeptCheckpoints.parseIndex($0, at: KeptCheckpoints.indexPath) } ?? []
            } catch { sizes = [] }
            let tree = log.tree
            return AttestedTimes(main: trust, requirements: requirements, sizes: sizes,
                                 load: { n in
                                     guard let note = try log.fetchFile("checkpoints/\(n)") else { return nil }
                                     return AttestedTimes.Past(note: note, token: try log.fetchFile("checkpoints/\(n).tsr"))
                                 },
                                 prove: { try tree.consistencyProof(oldSize: $0, newSize: size) })
        }
    }
}
