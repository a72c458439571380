import Synchronization
import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

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
        /// A published tlog-tiles directory: entries found by lookup,
        /// proofs built from the tiles.
        case tiles(TileLog)
    }

    public struct Options: Sendable {
        public var root: RootDirectory
        /// `--root` was given: the items are originals to recompute, and an
        /// evidence record among them is refused (its original would not be read).
        public var rootGiven = false
        /// The items are evidence records, checked against the log without
        /// their originals: said explicitly, since such an `ok` proves less.
        public var recordsOnly = false
        public var key: HMACKey?
        /// Lifecycle stages each contract must have in the log.
        public var requiredStages: [String] = []
        /// Every entry of the items' contracts must be presented.
        public var complete = false
        /// Only entries logged before this time count.
        public var loggedBefore: RFC3339.Timestamp?
        public var loggedBeforeText: String?
        /// An id logged again with another digest may still be ok.
        public var acceptRelogged = false
        /// No items at all is an input error (certify, --require-stages, --complete).
        public var requiresItems = false
        /// Completeness may rest on the log's (the bank's) own signature of
        /// the index root when no index witness cosigned the checkpoint; the
        /// report then says so.
        public var acceptBankIndex = false
        /// Bytes the ids seen may take before they spill to disk (duplicates
        /// are refused however many items there are).
        public var idMemory = Options.defaultIDMemory
        public static let defaultIDMemory = 32 << 20
        /// Bytes of rendered verdicts held in memory before they spill to
        /// disk (nothing is written until every item was read).
        public var outputMemory = SpooledOutput.defaultMemory
        /// Bytes of the log's files mapped and resident past which the
        /// pages read are dropped (they stay in the page cache).
        public var mappedMemory = 64 << 20
        /// Where the unnamed scratch files go.
        public var scratchDirectory = RecordIDTable.defaultDirectory
        public init(root: RootDirectory) { self.root = root }
    }

    public let source: Source
    public let trust: CheckpointTrust
    public let options: Options
    /// When someone independent dated each entry: the past checkpoints the
    /// source holds, else only `trust`'s own timestamp or cosignatures.
    public let attested: AttestedTimes

    public init(source: Source, trust: CheckpointTrust, options: Options, attested: AttestedTimes? = nil) {
        self.source = source
        self.trust = trust
        self.options = options
        self.attested = attested ?? AttestedTimes(main: trust)
    }

    public struct Report: Sendable {
        /// One per item, in input order, then one per withheld entry and
        /// one per missing stage; empty when they were rendered instead.
        public var verdicts: [Verdict]
        /// The verdicts as `render` wrote them, in the same order, held
        /// back until the end of the run (to be written by the caller).
        public var output: SpooledOutput?
        /// Verdicts made, rendered or not, and how many are not `ok`.
        public var verdictCount = 0
        public var verdictFailures = 0
        /// Whether `--complete` was checked, and the `--logged-before` cut-off.
        public var complete = false
        public var loggedBefore: String?
        /// `--require-stages`, as given.
        public var requiredStages: [String] = []
        /// Per contract judged (`--complete`, `--require-stages`), in order:
        /// its entries shown complete from the index, or why they are not.
        public var contracts: [ContractFinding] = []
        /// The index witnesses whose cosignatures vouch for the contract
        /// index, when completeness was judged; empty: it rests on the
        /// bank's own signature (`acceptBankIndex`).
        public var indexVouchedBy: [String]?
        public var count: Int { verdictCount + completenessFailures.count + receipts.count }
        public var failures: Int {
            verdictFailures + completenessFailures.count + receipts.filter { !$0.isValid }.count
        }
        /// The customers' receipts held against the case (`--receipts`).
        public var receipts: [ReceiptOutcome] = []
        /// For `--text`, when completeness was judged: whose cosignatures
        /// vouched for the contract index, or that it rests on the bank's.
        public var indexSummary: String? {
            guard let vouchers = indexVouchedBy else { return nil }
            let shown = contracts.filter { $0.complete != nil }.count
            let what = "contract index: \(shown) of \(contracts.count) contract\(contracts.count == 1 ? "" : "s") shown complete"
            if vouchers.isEmpty {
                return what + "; the index rests on the bank's own signature alone, no index witness vouched for it (\(Setting("accept-bank-index")))"
            }
            return what + "; the index vouched for by \(vouchers.joined(separator: ", "))"
        }
        /// `contract C: why`, one per contract whose completeness failed.
        public var completenessFailures: [String] { contracts.compactMap(\.failure) }
    }

    /// A contract's completeness as judged: the proven, complete entries
    /// (all of them, before any `--logged-before` cut), or the failure.
    public struct ContractFinding: Sendable {
        public var contract: String
        public var complete: ContractCompleteness?
        /// The proof of the index value, kept for the certificate.
        public var indexProof: ContractIndexProof?
        /// The audit path of each complete entry, by seq (for the certificate).
        public var paths: [UInt64: [Hash]] = [:]
        public var failure: String?
    }

    /// A verdict turned into its output bytes as soon as it is made: a
    /// rendered line is a few hundred bytes, a verdict with its record,
    /// entry and audit path several kilobytes.
    public typealias Renderer = @Sendable (Verdict) -> [UInt8]

    /// A verdict as kept until the end of the run: boxed whole (certify), or
    /// only its bytes and status (check).
    enum Made {
        indirect case kept(Verdict)
        case rendered([UInt8], Verdict.Status)
    }

    /// Whether the entry counts under `--logged-before`: only an attested
    /// time (`AttestedTimes`) shows it was logged before the cut-off, never
    /// the entry's own `time` (the bank's clock). An entry nothing attests
    /// is kept, so it still counts against the item (a conflict, a withheld
    /// entry), and a match on it is `unproven` (see `verdict`).
    func isBeforeCutoff(_ entry: ChainEntry) -> Bool {
        guard let cutoff = options.loggedBefore else { return true }
        guard let a = attested.attestation(for: entry.seq) else { return true }
        return a.time < cutoff
    }

    /// One `missing` verdict per id of the contracts' entries that no item
    /// presented: evidence the log holds and the presenter left out.
    func withheld(_ contracts: [String], entriesByContract: [ExactString: [ChainEntry]], presented: Set<ExactString>) -> [Verdict] {
        var verdicts: [Verdict] = []
        var reported = Set<ExactString>()
        // Keyed by `String` on purpose (canonical equivalence): finds a
        // presented id that a withheld one only looks like, to say so.
        let lookAlikes = Dictionary(presented.map { ($0.string, $0.string) }, uniquingKeysWith: { a, _ in a })
        for contract in contracts {
            for entry in entriesByContract[contract.exact] ?? [] {
                guard case .string(let id)? = entry.record["id"], !presented.contains(id.exact),
                      reported.insert(id.exact).inserted else { continue }
                var v = Verdict(id: id, status: .missing)
                v.entry = entry
                v.record = try? entry.evidenceRecord()
                v.contract = contract
                v.reason = "logged at seq \(entry.seq) (\(entry.time)) for contract \(contract) but not presented"
                if let twin = lookAlikes[id] {
                    v.reason! += " (its id differs from the presented \"\(twin)\" only in Unicode normalisation: another id)"
                }
                verdicts.append(v)
            }
        }
        return verdicts
    }

    /// The required stages of which the log holds no entry for the contract.
    /// Stages come from the entries, never from what an item declares.
    func stageGaps(_ contracts: [String], entriesByContract: [ExactString: [ChainEntry]]) -> [Verdict] {
        var verdicts: [Verdict] = []
        for contract in contracts {
            var present = Set<ExactString>()
            for entry in entriesByContract[contract.exact] ?? [] {
                if case .string(let stage)? = entry.record["stage"] { present.insert(stage.exact) }
            }
            for stage in options.requiredStages where !present.contains(stage.exact) {
                var v = Verdict(id: "\(contract)/\(stage)", status: .missing)
                v.contract = contract
                v.stage = stage
                v.reason = "no \(stage) (\(Stage.named(stage).chinese)) evidence for contract \(contract) in the log"
                    + (options.loggedBeforeText.map { " before \($0)" } ?? "")
                verdicts.append(v)
            }
        }
        return verdicts
    }

    /// Per-worker scratch: digest contexts per algorithm and a tree reader
    /// (with its own hash context).
    final class DigesterCache {
        let key: HMACKey?
        var digesters: [RecordAlgorithm: ArtifactDigester] = [:]
        let tree: MerkleTreeReader?
        /// Set for a chain source when verdicts are rendered, not kept:
        /// no proof is then kept, and audit paths are checked by it.
        var inclusion: InclusionChecker?
        let context = HashContext(.sha256)
        let paths: OriginalPaths
        init(key: HMACKey?, root: RootDirectory, store: ChainStore? = nil, batch: ChainBatchReader? = nil) {
            self.key = key
            tree = batch?.tree ?? store.map { $0.tree }
            paths = OriginalPaths(root: root)
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
                    throw EvidenceError.usage("\(item.id) is logged with a keyed digest (\(algorithm)); give \(Setting("key-file"))")
                }
            }
            let digester = try cache.digester(algorithm)
            switch m.content {
            case .file(let path):
                do {
                    if let file = cache.paths.opened(path) {
                        defer { close(file.fd) }
                        return try digester.hexDigest(regularFile: file.fd, size: file.size, name: file.real)
                    }
                } catch let e as EvidenceError {
                    throw EvidenceError(e.kind, "\"\(path)\": \(e.message)")
                }
                let real = try cache.paths.resolve(path)
                do { return try digester.digest(path: real).hex[0] } catch let e as EvidenceError {
                    throw EvidenceError(e.kind, "\"\(path)\": \(e.message)")
                }
            case .data(let value):
                return digester.digest(bytes: JCS.canonical(value)).hex[0]
            }
        }
    }

    /// The file of an original that is not there at all: a failed item,
    /// not the end of the run (like `sha256sum -c`).
    func missingOriginal(_ item: VerificationItem, cache: DigesterCache) -> String? {
        guard case .original(let m) = item.content, case .file(let path) = m.content,
              let first = path.utf8.first, first != UInt8(ascii: "/"), !OriginalPaths.hasParentComponent(path) else { return nil }
        return cache.paths.exists(path) ? nil : path
    }

    func verdict(for item: VerificationItem, entries: [ChainEntry], bundleLines: [UInt64: ProofBundle.Line],
                 cache: DigesterCache) throws -> Verdict {
        var v = Verdict(id: item.id, status: .missing)
        if let path = missingOriginal(item, cache: cache) {
            v.reason = "missing original: \"\(path)\" not found under \(Setting("root"))"
            if let last = entries.last {
                v.entry = last
                v.record = try last.evidenceRecord()
            }
            return v
        }
        switch item.content {
        case .original: v.checked = .original
        case .record: v.checked = .record
        }
        guard let last = entries.last else {
            v.reason = options.loggedBeforeText.map { "not in the log before \($0)" } ?? "not in the log"
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
        var unmatched: [ChainEntry] = []
        // Read the original once per algorithm, however often the id was
        // logged (an array: one algorithm, nearly always).
        var actualByAlgorithm: [(algorithm: RecordAlgorithm, digest: String?)] = []
        // Every entry of the id is compared: one the original does not match
        // means the id was logged again with another digest.
        for entry in entries {
            let record = try entry.evidenceRecord()
            if entry.seq == last.seq { lastRecord = record }
            if let key = options.key, record.algorithm.isKeyed, let kid = record.keyID, kid != key.keyID {
                throw EvidenceError.usage("\(item.id) is logged under HMAC key \(kid), but \(Setting("key-file")) holds key \(key.keyID)")
            }
            let actual: String?
            if let known = actualByAlgorithm.first(where: { $0.algorithm == record.algorithm }) {
                actual = known.digest
            } else {
                actual = try actualDigest(of: item, record.algorithm, cache: cache)
                actualByAlgorithm.append((record.algorithm, actual))
            }
            if entry.seq == last.seq { actualForLast = actual }
            if let actual, constantTimeEqual(actual, record.digest) {
                if matched == nil {
                    matched = entry
                    matchedRecord = record
                }
            } else {
                unmatched.append(entry)
            }
        }
        // Every other entry the verdict rests on (a conflict, the entry a
        // mismatch names) is proven too: an entry the source made up must
        // not turn an item into a failure, nor be reported as the log's.
        for other in unmatched where other.seq < trust.checkpoint.size {
            if let why = notProven(other, bundleLines: bundleLines, cache: cache) {
                v.status = .unproven
                v.entry = other
                v.record = try? other.evidenceRecord()
                v.reason = "the entry at seq \(other.seq) of this id is not proven: \(why)"
                return v
            }
        }
        guard let entry = matched, let matchedRecord else {
            v.status = .mismatch
            v.entry = last
            v.record = try lastRecord ?? last.evidenceRecord()
            v.actualDigest = actualForLast
            v.reason = actualForLast == nil
                ? "the record has no digest under the logged algorithm \(v.record!.algorithm)"
                : "digest differs from the one logged at seq \(last.seq)"
            return v
        }
        v.conflicts = unmatched
        if let wrong = misplaced(item, in: matchedRecord) {
            // Dismissed as another contract's or stage's only once it is the log's.
            if entry.seq < trust.checkpoint.size, let why = notProven(entry, bundleLines: bundleLines, cache: cache) {
                v.status = .unproven
                v.entry = entry
                v.record = matchedRecord
                v.reason = "the entry at seq \(entry.seq) is not proven: \(why)"
                return v
            }
            v.status = .mismatch
            v.entry = entry
            v.record = matchedRecord
            v.reason = "the entry at seq \(entry.seq) is evidence of \(wrong), not of what the item says"
            return v
        }
        if !unmatched.isEmpty && !options.acceptRelogged {
            v.status = .mismatch
            v.entry = entry
            v.record = matchedRecord
            v.reason = "logged again with another digest: \(v.conflictList); the original matches seq \(entry.seq) (\(entry.time)); give \(Setting("logged-before")) or \(Setting("accept-relogged"))"
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
        let path: [Hash]?
        switch source {
        case .chain:
            path = try chainPath(entry.seq, cache: cache)
        case .bundle:
            let line = bundleLines[entry.seq]!
            if line.treeSize != cp.size || line.root != cp.root {
                v.reason = "the proof is against another checkpoint (tree size \(line.treeSize)), not the one given (tree size \(cp.size))"
                return v
            }
            path = line.path
        case .tiles(let log):
            path = try log.tree.inclusionProof(index: entry.seq, treeSize: cp.size)
        }
        v.proof = path
        let recomputed = contentLeaf(entry)
        guard recomputed == entry.leaf else {
            v.reason = "the entry's leaf hash does not match its contents"
            return v
        }
        do {
            try checkInclusion(recomputed, seq: entry.seq, path: path, cache: cache)
        } catch let error as ProofError {
            v.reason = "inclusion proof does not lead to the checkpoint root: \(error)"
            return v
        }
        if let failure = trust.failure {
            v.reason = failure
            return v
        }
        v.attestation = attested.attestation(for: entry.seq)
        if v.attestation == nil, let cutoff = options.loggedBeforeText {
            v.reason = "no attested checkpoint holds seq \(entry.seq) (no timestamp or witness quorum checked): "
                + "that it was logged before \(cutoff) would rest on the bank's clock alone"
            return v
        }
        v.status = .ok
        return v
    }
}


extension EvidenceVerifier {
    /// Why `entry` (seq below the checkpoint's size) is not proven to be
    /// the log's: its leaf recomputed from its bytes and its audit path
    /// from the source checked against the trusted checkpoint; nil when it is.
    func notProven(_ entry: ChainEntry, bundleLines: [UInt64: ProofBundle.Line], cache: DigesterCache) -> String? {
        let cp = trust.checkpoint
        let path: [Hash]?
        do {
            switch source {
            case .chain:
                path = try chainPath(entry.seq, cache: cache)
            case .bundle:
                guard let line = bundleLines[entry.seq], line.treeSize == cp.size, line.root == cp.root else {
                    return "the bundle holds no proof of it against the checkpoint given (tree size \(cp.size))"
                }
                path = line.path
            case .tiles(let log):
                path = try log.tree.inclusionProof(index: entry.seq, treeSize: cp.size)
            }
        } catch {
            return "no audit path: \(error)"
        }
        let recomputed = contentLeaf(entry)
        guard recomputed == entry.leaf else { return "the entry's leaf hash does not match its contents" }
        do {
            try checkInclusion(recomputed, seq: entry.seq, path: path, cache: cache)
        } catch let error as ProofError {
            return "inclusion proof does not lead to the checkpoint root: \(error)"
        } catch {
            return "no audit path: \(error)"
        }
        return nil
    }

    /// The audit path of `seq` from the chain's stored hashes; nil where
    /// the worker's `InclusionChecker` walks it instead (verdicts rendered,
    /// no proof kept).
    func chainPath(_ seq: UInt64, cache: DigesterCache) throws -> [Hash]? {
        cache.inclusion == nil ? try cache.tree!.inclusionProof(index: seq, treeSize: trust.checkpoint.size) : nil
    }

    /// The leaf of `entry` from its contents: not hashed again where this
    /// process has just computed it (`ChainEntry.leafIsOfContents`).
    func contentLeaf(_ entry: ChainEntry) -> Hash {
        entry.leafIsOfContents ? entry.leaf
            : ChainEntry(seq: entry.seq, time: entry.time, canonicalRecord: entry.canonicalRecord).leaf
    }

    /// Throws `ProofError` unless `leaf` at `seq` leads to the trusted
    /// checkpoint's root: through `path`, or (nil) the worker's
    /// `InclusionChecker`, which may throw the stored hashes' errors too.
    func checkInclusion(_ leaf: Hash, seq: UInt64, path: [Hash]?, cache: DigesterCache) throws {
        let cp = trust.checkpoint
        if let path {
            try Merkle.verifyInclusion(leafHash: leaf, index: seq, treeSize: cp.size, path: path, root: cp.root)
        } else {
            try cache.inclusion!.check(leafHash: leaf, index: seq)
        }
    }

    /// "contract X, stage Y" when the matched entry's contract or stage is
    /// not the one the item declares: the entry, not the item, says what the
    /// evidence is of.
    func misplaced(_ item: VerificationItem, in record: EvidenceRecord) -> String? {
        let declared: (contract: String?, stage: String?)
        switch item.content {
        case .original(let m): declared = (m.contract, m.stage)
        case .record(let r): declared = (r.contract, r.stage)
        }
        // By bytes: a contract that only looks like the declared one is another.
        let contractDiffers = declared.contract != nil && declared.contract?.exact != record.contract?.exact
        let stageDiffers = declared.stage != nil && declared.stage?.exact != record.stage?.exact
        guard contractDiffers || stageDiffers else { return nil }
        return "contract \(record.contract ?? "(none)"), stage \(record.stage ?? "(none)")"
    }
}
