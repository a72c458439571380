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
        /// The verdicts as `render` wrote them, in the same order.
        public var rendered: [[UInt8]] = []
        /// Every verdict's status, rendered or not.
        public var statuses: [Verdict.Status] = []
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
        public var count: Int { statuses.count + completenessFailures.count + receipts.count }
        public var failures: Int {
            statuses.filter { $0 != .ok }.count + completenessFailures.count + receipts.filter { !$0.isValid }.count
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

    /// Refuses what would make a verdict claim more than is checked: record
    /// items under `--root`, and two items with one id (each original must be
    /// pinned to its own entry).
    func validate(_ items: [VerificationItem]) throws {
        if items.isEmpty && options.requiresItems {
            throw EvidenceError.input("no items to verify: a contract's evidence cannot be judged from nothing")
        }
        // Ids are bytes: a look-alike in another normalisation is another item.
        var firstLocation: [ExactString: String] = [:]
        for item in items {
            switch item.content {
            case .record where options.rootGiven:
                throw EvidenceError.input("an evidence record, not a manifest line: its original would not be read under \(Setting("root")); give the manifest lines, or drop \(Setting("root")) and give \(Setting("records-only")) to check the records' digests against the log", at: item.location)
            case .record where !options.recordsOnly:
                throw EvidenceError.input("an evidence record, not a manifest line: its original would not be read; give the manifest lines with \(Setting("root")), or \(Setting("records-only")) to check only the records' digests against the log", at: item.location)
            case .record:
                break
            default:
                if options.recordsOnly {
                    throw EvidenceError.input("a manifest line under \(Setting("records-only")): give evidence records, or drop \(Setting("records-only")) to recompute the original", at: item.location)
                }
            }
            if let earlier = firstLocation[item.id.exact] {
                throw EvidenceError.input("duplicate id \"\(item.id)\" (also at \(earlier)): each item must be checked against its own entry; give the lines distinct \"id\"s", at: item.location)
            }
            firstLocation[item.id.exact] = item.location
        }
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

    /// Verifies `items`; with `render`, keeps each verdict only as its
    /// rendered bytes (nothing is written here, so an input error in any
    /// item still leaves the output empty).
    /// `progress` is told the items verified so far (from the workers, one
    /// call at a time).
    public func verify(_ items: [VerificationItem], render: Renderer? = nil,
                       progress: ProgressHandler? = nil) throws -> Report {
        try validate(items)
        // Ids and contracts are compared as bytes (`ExactString`), as the
        // lookup and the digests compare them: an entry whose id only looks
        // like a presented one is not presented.
        let ids = Set(items.map(\.id.exact))
        var contractsInOrder: [String] = []
        var seenContracts = Set<ExactString>()
        for item in items {
            if let c = item.contract, seenContracts.insert(c.exact).inserted { contractsInOrder.append(c) }
        }
        let wantContracts = options.requiredStages.isEmpty && !options.complete ? Set<ExactString>() : seenContracts
        var entriesByID: [ExactString: [ChainEntry]] = [:]
        var bundleLines: [UInt64: ProofBundle.Line] = [:]
        var entriesByContract: [ExactString: [ChainEntry]] = [:]
        var batch: ChainBatchReader? = nil
        var candidatesByID: [ExactString: [UInt64]] = [:]
        switch source {
        case .chain(let store):
            if let reader = try ChainBatchReader(store) {
                // Through the lookup, all keys in one ordered pass; each
                // item's entries are then read and parsed by its worker.
                batch = reader
                let idList = Array(ids), contractList = Array(wantContracts)
                let found = try reader.candidates(idList.map { (.id, $0.string) } + contractList.map { (.contract, $0.string) })
                for (i, id) in idList.enumerated() { candidatesByID[id] = found[i] }
                let context = HashContext(.sha256)
                for (j, c) in contractList.enumerated() {
                    entriesByContract[c] = try reader.confirmed(found[idList.count + j], .contract, c.string, context: context)
                }
            } else {
                let scan = try ChainScan(store: store, ids: ids, contracts: wantContracts)
                entriesByID = scan.entriesByID
                entriesByContract = scan.entriesByContract
            }
        case .bundle(let bundle):
            for line in bundle.lines {
                if case .string(let id)? = line.entry.record["id"], ids.contains(id.exact) {
                    entriesByID[id.exact, default: []].append(line.entry)
                    bundleLines[line.entry.seq] = line
                }
                if case .string(let c)? = line.entry.record["contract"], wantContracts.contains(c.exact) {
                    entriesByContract[c.exact, default: []].append(line.entry)
                }
            }
        case .tiles(let log):
            try log.prefetch(ids: ids.map(\.string), contracts: contractsInOrder.filter { wantContracts.contains($0.exact) })
            for id in ids { entriesByID[id] = try log.entries(.id, id.string) }
            // A hint only: what the contract's shard lists is judged below.
            for c in wantContracts { entriesByContract[c] = try log.entries(.contract, c.string) }
        }
        // A contract's entries count only as the index shows them complete.
        var findings: [ContractFinding] = []
        if !wantContracts.isEmpty {
            findings = judgeCompleteness(contractsInOrder, hints: entriesByContract)
            entriesByContract = [:]
            for f in findings { if let c = f.complete { entriesByContract[c.contract.exact] = c.entries } }
        }
        let judged = findings.filter { $0.complete != nil }.map(\.contract)
        // An entry of a contract shown complete counts for the item of its
        // id too: a lookup (CHAIN.lookup, a shard) that leaves out the id's
        // other entry cannot hide that conflict. A bundle's lines are all
        // read by id already.
        var lookupMayOmit = batch != nil
        if case .tiles = source { lookupMayOmit = true }
        if lookupMayOmit {
            for f in findings {
                for e in f.complete?.entries ?? [] {
                    guard case .string(let id)? = e.record["id"], ids.contains(id.exact) else { continue }
                    if batch != nil {
                        if !(candidatesByID[id.exact] ?? []).contains(e.seq) { candidatesByID[id.exact, default: []].append(e.seq) }
                    } else if !(entriesByID[id.exact] ?? []).contains(where: { $0.seq == e.seq }) {
                        entriesByID[id.exact, default: []].append(e)
                    }
                }
            }
        }
        attested.resolve(entriesByID.values.joined().map(\.seq) + entriesByContract.values.joined().map(\.seq)
                         + candidatesByID.values.joined())
        for (id, entries) in entriesByID { entriesByID[id] = entries.filter(isBeforeCutoff).sorted { $0.seq < $1.seq } }
        for (c, entries) in entriesByContract { entriesByContract[c] = entries.filter(isBeforeCutoff).sorted { $0.seq < $1.seq } }

        var store: ChainStore? = nil
        if case .chain(let s) = source { store = s }
        let vouched: [String]? = wantContracts.isEmpty ? nil : trust.indexCosigners.map(\.key.name)
        func made(_ verdict: Verdict) -> Made {
            var v = verdict
            v.indexVouchedBy = vouched
            guard let render else { return .kept(v) }
            return .rendered(render(v), v.status)
        }
        let verified = Mutex(0)
        let outcomes = ParallelMap.map(items, state: { DigesterCache(key: options.key, root: options.root, store: store, batch: batch) }) { cache, item -> Result<Made, EvidenceError> in
            defer { if let progress { verified.withLock { $0 += 1; progress($0, 0) } } }
            do {
                var entries = entriesByID[item.id.exact] ?? []
                if let batch, let seqs = candidatesByID[item.id.exact] {
                    entries = try batch.confirmed(seqs, .id, item.id, context: cache.context).filter(isBeforeCutoff)
                }
                var v = try verdict(for: item, entries: entries, bundleLines: bundleLines, cache: cache)
                v.cosignatures = trust.cosigners.count
                return .success(made(v))
            } catch let e as EvidenceError {
                return .failure(e.located(item.location))
            } catch {
                return .failure(EvidenceError.io("\(error)", at: item.location))
            }
        }
        var report = Report(verdicts: [], complete: options.complete, loggedBefore: options.loggedBeforeText)
        report.contracts = findings
        report.requiredStages = options.requiredStages
        if !wantContracts.isEmpty { report.indexVouchedBy = trust.indexCosigners.map(\.key.name) }
        func add(_ m: Made) {
            switch m {
            case .kept(let v):
                report.verdicts.append(v)
                report.statuses.append(v.status)
            case .rendered(let bytes, let status):
                report.rendered.append(bytes)
                report.statuses.append(status)
            }
        }
        for outcome in outcomes { add(try outcome.get()) }
        // Only of contracts shown complete: of the others nothing is known.
        if options.complete {
            withheld(judged, entriesByContract: entriesByContract, presented: ids).map(made).forEach(add)
        }
        if !options.requiredStages.isEmpty {
            stageGaps(judged, entriesByContract: entriesByContract).map(made).forEach(add)
        }
        return report
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
                v.record = try? EvidenceRecord(json: entry.record)
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
                        return try digester.digest(regularFile: file.fd, size: file.size, name: file.real).hex[0]
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
              !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { return nil }
        return cache.paths.exists(path) ? nil : path
    }

    func verdict(for item: VerificationItem, entries: [ChainEntry], bundleLines: [UInt64: ProofBundle.Line],
                 cache: DigesterCache) throws -> Verdict {
        var v = Verdict(id: item.id, status: .missing)
        if let path = missingOriginal(item, cache: cache) {
            v.reason = "missing original: \"\(path)\" not found under \(Setting("root"))"
            if let last = entries.last {
                v.entry = last
                v.record = try EvidenceRecord(json: last.record)
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
        // Read the original once per algorithm, however often the id was logged.
        var actualByAlgorithm: [RecordAlgorithm: String?] = [:]
        // Every entry of the id is compared: one the original does not match
        // means the id was logged again with another digest.
        for entry in entries {
            let record = try EvidenceRecord(json: entry.record)
            if entry.seq == last.seq { lastRecord = record }
            if let key = options.key, record.algorithm.isKeyed, let kid = record.keyID, kid != key.keyID {
                throw EvidenceError.usage("\(item.id) is logged under HMAC key \(kid), but \(Setting("key-file")) holds key \(key.keyID)")
            }
            let actual: String?
            if let known = actualByAlgorithm[record.algorithm] {
                actual = known
            } else {
                actual = try actualDigest(of: item, record.algorithm, cache: cache)
                actualByAlgorithm[record.algorithm] = .some(actual)
            }
            if entry.seq == last.seq { actualForLast = actual }
            if let actual, constantTimeEqual(Array(actual.utf8), Array(record.digest.utf8)) {
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
                v.record = try? EvidenceRecord(json: other.record)
                v.reason = "the entry at seq \(other.seq) of this id is not proven: \(why)"
                return v
            }
        }
        guard let entry = matched, let matchedRecord else {
            v.status = .mismatch
            v.entry = last
            v.record = try lastRecord ?? EvidenceRecord(json: last.record)
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
        let path: [Hash]
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
        case .tiles(let log):
            path = try log.tree.inclusionProof(index: entry.seq, treeSize: cp.size)
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
        let path: [Hash]
        do {
            switch source {
            case .chain:
                path = try cache.tree!.inclusionProof(index: entry.seq, treeSize: cp.size)
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
        let recomputed = ChainEntry(seq: entry.seq, time: entry.time, canonicalRecord: entry.canonicalRecord, context: cache.context).leaf
        guard recomputed == entry.leaf else { return "the entry's leaf hash does not match its contents" }
        do {
            try Merkle.verifyInclusion(leafHash: recomputed, index: entry.seq, treeSize: cp.size, path: path, root: cp.root)
        } catch {
            return "inclusion proof does not lead to the checkpoint root: \(error)"
        }
        return nil
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
