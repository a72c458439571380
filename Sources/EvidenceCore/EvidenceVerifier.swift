/// What `evverify` does: for each item, recompute the original's digest
/// with the logged algorithm, find its entry, check the RFC 9162 inclusion
/// proof up to a checkpoint the log signed and the notaries cosigned, and
/// say `ok`, `mismatch`, `missing` or `unproven`, with the reason.
public struct EvidenceVerifier {
    /// Where entries and proofs come from.
    public enum Source {
        /// The whole log: proofs are computed from its stored hashes.
        case chain(ChainStore)
        /// Proofs exported by `evchain prove`: no other customer's entry needed.
        case bundle(ProofBundle)
    }

    public struct Options: Sendable {
        public var root: RootDirectory
        public var key: HMACKey?
        /// Lifecycle stages each contract must have in the log.
        public var requiredStages: [String] = []
        public init(root: RootDirectory) { self.root = root }
    }

    public let source: Source
    public let trust: CheckpointTrust
    public let options: Options

    public init(source: Source, trust: CheckpointTrust, options: Options) {
        self.source = source
        self.trust = trust
        self.options = options
    }

    public struct Report: Sendable {
        /// One per item, in input order, then one per missing stage.
        public var verdicts: [Verdict]
        public var failures: Int { verdicts.filter { $0.status != .ok }.count }
    }

    public func verify(_ items: [VerificationItem]) throws -> Report {
        let ids = Set(items.map(\.id))
        var contractsInOrder: [String] = []
        var seenContracts = Set<String>()
        for item in items {
            if let c = item.contract, seenContracts.insert(c).inserted { contractsInOrder.append(c) }
        }
        let needStages = options.requiredStages.isEmpty ? Set<String>() : Set(contractsInOrder)
        var entriesByID: [String: [ChainEntry]] = [:]
        var bundleLines: [UInt64: ProofBundle.Line] = [:]
        var stagesByContract: [String: Set<String>] = [:]
        switch source {
        case .chain(let store):
            let scan = try ChainScan(store: store, ids: ids, contracts: needStages)
            entriesByID = scan.entriesByID
            stagesByContract = scan.stagesByContract
        case .bundle(let bundle):
            for line in bundle.lines {
                if case .string(let id)? = line.entry.record["id"], ids.contains(id) {
                    entriesByID[id, default: []].append(line.entry)
                    bundleLines[line.entry.seq] = line
                }
                if case .string(let c)? = line.entry.record["contract"], needStages.contains(c),
                   case .string(let stage)? = line.entry.record["stage"] {
                    stagesByContract[c, default: []].insert(stage)
                }
            }
        }
        for (id, entries) in entriesByID { entriesByID[id] = entries.sorted { $0.seq < $1.seq } }

        var store: ChainStore? = nil
        if case .chain(let s) = source { store = s }
        let outcomes = ParallelMap.map(items, state: { DigesterCache(key: options.key, store: store) }) { cache, item -> Result<Verdict, EvidenceError> in
            do {
                return .success(try verdict(for: item, entries: entriesByID[item.id] ?? [], bundleLines: bundleLines, cache: cache))
            } catch let e as EvidenceError {
                return .failure(e.located(item.location))
            } catch {
                return .failure(EvidenceError.io("\(error)", at: item.location))
            }
        }
        var verdicts: [Verdict] = []
        for outcome in outcomes { verdicts.append(try outcome.get()) }

        // Items being verified count as present even when the log lacks
        // them: that gap is already reported as the item's own verdict.
        var itemStages: [String: Set<String>] = [:]
        for item in items where !options.requiredStages.isEmpty {
            guard let c = item.contract else { continue }
            if case .original(let m) = item.content { itemStages[c, default: []].insert(m.stage) }
            if case .record(let r) = item.content, let s = r.stage { itemStages[c, default: []].insert(s) }
        }
        for contract in contractsInOrder where !options.requiredStages.isEmpty {
            let present = (stagesByContract[contract] ?? []).union(itemStages[contract] ?? [])
            for stage in options.requiredStages where !present.contains(stage) {
                var v = Verdict(id: "\(contract)/\(stage)", status: .missing)
                v.contract = contract
                v.stage = stage
                v.reason = "no \(stage) (\(Stage.named(stage).chinese)) evidence for contract \(contract) in the log"
                verdicts.append(v)
            }
        }
        return Report(verdicts: verdicts)
    }

    /// Per-worker scratch: digest contexts per algorithm and a tree reader
    /// (with its own hash context).
    final class DigesterCache {
        let key: HMACKey?
        var digesters: [RecordAlgorithm: ArtifactDigester] = [:]
        let tree: MerkleTreeReader?
        init(key: HMACKey?, store: ChainStore? = nil) {
            self.key = key
            tree = store.map { $0.tree }
        }

        func digester(_ algorithm: RecordAlgorithm) throws -> ArtifactDigester {
            if let d = digesters[algorithm] { return d }
            let d = ArtifactDigester(try DigestPlan(algorithms: [algorithm.digest], key: algorithm.isKeyed ? key : nil))
            digesters[algorithm] = d
            return d
        }
    }

    /// The item's digest under `algorithm`: recomputed from the original,
    /// or read from a given record.
    func actualDigest(of item: VerificationItem, _ algorithm: RecordAlgorithm, cache: DigesterCache) throws -> String? {
        switch item.content {
        case .record(let r):
            if r.algorithm == algorithm { return r.digest }
            return r.digests?[algorithm]
        case .original(let m):
            if algorithm.isKeyed {
                guard cache.key != nil else {
                    throw EvidenceError.usage("\(item.id) is logged with a keyed digest (\(algorithm)); give --key-file")
                }
            }
            let digester = try cache.digester(algorithm)
            switch m.content {
            case .file(let path):
                let real = try options.root.resolve(path)
                do { return try digester.digest(path: real).hex[0] } catch let e as EvidenceError {
                    throw EvidenceError(e.kind, "\"\(path)\": \(e.message)")
                }
            case .data(let value):
                return digester.digest(bytes: JCS.canonical(value)).hex[0]
            }
        }
    }

    func verdict(for item: VerificationItem, entries: [ChainEntry], bundleLines: [UInt64: ProofBundle.Line],
                 cache: DigesterCache) throws -> Verdict {
        var v = Verdict(id: item.id, status: .missing)
        guard let last = entries.last else {
            v.reason = "not in the log"
            switch item.content {
            case .record(let r): v.record = r
            case .original(let m):
                var r = EvidenceRecord(id: item.id, algorithm: RecordAlgorithm(.sha256, keyed: options.key != nil), digest: "")
                r.contract = m.contract; r.stage = m.stage; r.name = m.name; r.source = m.source; r.time = m.time
                r.pages = m.pages
                r.digest = try actualDigest(of: item, r.algorithm, cache: cache) ?? ""
                if let key = options.key { r.keyID = key.keyID }
                v.record = r
            }
            return v
        }
        var matched: ChainEntry? = nil
        var matchedRecord: EvidenceRecord? = nil
        var actualForLast: String? = nil
        var lastRecord: EvidenceRecord? = nil
        for entry in entries {
            let record = try EvidenceRecord(json: entry.record)
            if entry.seq == last.seq { lastRecord = record }
            if let key = options.key, record.algorithm.isKeyed, let kid = record.keyID, kid != key.keyID {
                throw EvidenceError.usage("\(item.id) is logged under HMAC key \(kid), but --key-file holds key \(key.keyID)")
            }
            let actual = try actualDigest(of: item, record.algorithm, cache: cache)
            if entry.seq == last.seq { actualForLast = actual }
            if let actual, constantTimeEqual(Array(actual.utf8), Array(record.digest.utf8)) {
                matched = entry
                matchedRecord = record
                break
            }
        }
        guard let entry = matched else {
            v.status = .mismatch
            v.entry = last
            v.record = try lastRecord ?? EvidenceRecord(json: last.record)
            v.actualDigest = actualForLast
            v.reason = actualForLast == nil
                ? "the record has no digest under the logged algorithm \(v.record!.algorithm)"
                : "digest differs from the one logged at seq \(last.seq)"
            return v
        }
        v.entry = entry
        v.record = matchedRecord
        v.treeSize = trust.checkpoint.size
        v.status = .unproven
        let cp = trust.checkpoint
        guard entry.seq < cp.size else {
            v.reason = "logged at seq \(entry.seq), after the checkpoint (tree size \(cp.size)); seal a newer checkpoint"
            return v
        }
        let path: [[UInt8]]
        switch source {
        case .chain:
            path = try cache.tree!.inclusionProof(index: entry.seq, treeSize: cp.size)
        case .bundle:
            let line = bundleLines[entry.seq]!
            if line.treeSize != cp.size || line.root != cp.root {
                v.reason = "the proof is against another checkpoint (tree size \(line.treeSize)), not the one given (tree size \(cp.size))"
                return v
            }
            path = line.path
        }
        v.proof = path
        let recomputed = ChainEntry(seq: entry.seq, time: entry.time, canonicalRecord: entry.canonicalRecord).leaf
        guard recomputed == entry.leaf else {
            v.reason = "the entry's leaf hash does not match its contents"
            return v
        }
        do {
            try Merkle.verifyInclusion(leafHash: recomputed, index: entry.seq, treeSize: cp.size, path: path, root: cp.root)
        } catch {
            v.reason = "inclusion proof does not lead to the checkpoint root: \(error)"
            return v
        }
        if let failure = trust.failure {
            v.reason = failure
            return v
        }
        v.status = .ok
        return v
    }
}

