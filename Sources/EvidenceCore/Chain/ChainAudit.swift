import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// Reads a file front to back in large chunks, as lines split exactly at
/// "\n" (no blank-line skipping, no CR handling: an audit sees every byte).
struct SequentialReader {
    let file: DurableFile
    private(set) var offset: UInt64
    private var buffer: [UInt8] = []
    private var position = 0
    private let chunk = 1 << 20

    init(_ file: DurableFile, from offset: UInt64 = 0) {
        self.file = file
        self.offset = offset
    }

    /// Bytes consumed so far (the file offset of the next unread byte).
    var consumed: UInt64 { offset - UInt64(buffer.count - position) }

    private mutating func refill() throws -> Bool {
        if position > 0 { buffer.removeFirst(position); position = 0 }
        let more = try file.read(at: offset, count: chunk)
        offset += UInt64(more.count)
        buffer += more
        return !more.isEmpty
    }

    /// The next line without its newline; `complete` is false for a final
    /// fragment with no newline. Nil at end of file.
    mutating func nextLine() throws -> (bytes: ArraySlice<UInt8>, complete: Bool)? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                let line = buffer[position..<nl]
                position = nl + 1
                return (line, true)
            }
            if try !refill() {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                position = buffer.count
                return (line, false)
            }
        }
    }

    /// Exactly `count` bytes, or fewer at end of file.
    mutating func next(_ count: Int) throws -> ArraySlice<UInt8> {
        while buffer.count - position < count { if try !refill() { break } }
        let n = min(count, buffer.count - position)
        defer { position += n }
        return buffer[position..<position + n]
    }
}

/// What an audit found.
public struct AuditResult: Sendable {
    /// Entries verified (the committed size when all is well).
    public var verified: UInt64 = 0
    public var root: Hash = Merkle.emptyRoot
    /// The first integrity failure, `file:line: message`; nil if none.
    public var failure: EvidenceError?
    /// A torn, never-acknowledged tail after the committed entries.
    public var tornTail: String?
    /// Checkpoints whose size and root matched the recomputed tree.
    public var checkpointsMatched: [UInt64] = []

    /// `CHAIN.lookup` missing, behind or not matching the entries, or
    /// stray run files beside it.
    public var lookup: String?
    /// When the lookup's only fault is stray files (an interrupted merge),
    /// those files: repair removes them and need not rebuild.
    public var strayLookupFiles: [String] = []

    /// The contract index missing, behind, torn or not matching the
    /// entries (`CHAIN.contracts`, `CHAIN.contracts.roots`); repair rebuilds it.
    public var contractIndex: String?

    public var isClean: Bool { failure == nil && tornTail == nil && lookup == nil && contractIndex == nil }
}

extension ChainStore {
    /// Recomputes every leaf, every stored hash and every index offset from
    /// the entries file, and each checkpoint's root at its size. Stops at the
    /// first bad entry. Never trusts `CHAIN.hashes` or `CHAIN.index`: it
    /// checks them against what it recomputes.
    public func audit(checkpoints: [Checkpoint], progress: ProgressHandler? = nil) throws -> AuditResult {
        var result = AuditResult()
        let l = try layout()
        let n = l.committed
        var lines = SequentialReader(data)
        var hashReader = SequentialReader(hashes)
        var indexReader = SequentialReader(index)
        var frontier = MerkleFrontier()
        let context = HashContext(.sha256)
        let wanted = Dictionary(checkpoints.map { ($0.size, $0) }, uniquingKeysWith: { a, _ in a })
        var roots: [UInt64: Hash] = [0: Merkle.emptyRoot]
        // Each contract's value as the entries so far give it (INDEX-SPEC §1).
        var contracts: [IndexHash: IndexValue] = [:]
        var indexRoots: [UInt64: Hash] = [0: ContractIndex.emptyRoot]
        func indexRoot() -> Hash {
            IndexValue.root(sorted: contracts.values.sorted { $0.key < $1.key }).hash
        }
        func fail(_ message: String, line: UInt64? = nil, file: String? = nil) -> AuditResult {
            var r = result
            r.failure = EvidenceError.failure(message, at: line.map { "\(path):\($0)" } ?? file ?? path)
            return r
        }

        var seq: UInt64 = 0
        while seq < n {
            if seq & 0xFFF == 0 { progress?(Int(seq), Int(lines.consumed)) }
            guard let (bytes, complete) = try lines.nextLine() else {
                return fail("chain ends after \(seq) entries but \(n) were committed (file truncated)")
            }
            guard complete else {
                return fail("entry \(seq) is torn but was committed (file truncated or damaged)", line: seq + 1)
            }
            let entry: ChainEntry
            do {
                entry = try bytes.withUnsafeBytes { try ChainEntry.parse(line: $0, expectedSeq: seq, context: context) }
            } catch let error as EvidenceError {
                return fail(error.message, line: seq + 1)
            }
            let endBytes = try indexReader.next(8)
            let end = endBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard endBytes.count == 8, end == lines.consumed else {
                return fail("index entry \(seq) does not point at the end of line \(seq + 1)", file: index.path)
            }
            if let key = bytes.withUnsafeBytes({ ContractIndexBatch.contractKey(line: $0) }) {
                var value = contracts[key] ?? IndexValue(key: key, count: 0, last: 0, chain: .zero)
                entry.leaf.withUnsafeBytes { value.chain = value.chain.chainStep($0.baseAddress!) }
                value.count += 1
                value.last = seq
                contracts[key] = value
            }
            for h in frontier.append(leafHash: entry.leaf, context: context) {
                let position = hashReader.consumed / 32
                let stored = try hashReader.next(32)
                guard stored.count == 32 else {
                    return fail("stored hash \(position) is missing (entry \(seq)): the file has \(l.hashesSize) bytes, "
                                + "\(n) committed entries need \(l.hashesEnd) (file truncated)", file: hashes.path)
                }
                guard stored.elementsEqual(h) else {
                    return fail("stored hash \(position) does not match the entries (entry \(seq))", file: hashes.path)
                }
            }
            seq += 1
            result.verified = seq
            if let cp = wanted[seq] {
                roots[seq] = frontier.root(context: context)
                if cp.contractIndexRoot != nil { indexRoots[seq] = indexRoot() }
            }
        }
        result.root = frontier.root(context: context)

        for cp in checkpoints {
            guard let root = roots[cp.size] else {
                return fail(ChainStore.checkpointBeyondChain(size: cp.size, committed: n))
            }
            guard root == cp.root else {
                return fail("checkpoint of size \(cp.size) has root \(Hex.encode(cp.root)), the entries give \(Hex.encode(root))")
            }
            if let claimed = cp.contractIndexRoot, let computed = indexRoots[cp.size], claimed != computed {
                return fail("checkpoint of size \(cp.size) has contract index root \(claimed.hex), the entries give \(computed.hex)")
            }
            result.checkpointsMatched.append(cp.size)
        }

        result.lookup = try lookupFinding(committed: n)
        if result.lookup == nil {
            result.strayLookupFiles = ChainLookup.strayFiles(chain: path, listed: try ChainLookup(chain: path).runs)
            if !result.strayLookupFiles.isEmpty {
                result.lookup = "\(result.strayLookupFiles.count) run file\(result.strayLookupFiles.count == 1 ? "" : "s") "
                    + "not in \(ChainLookup.listPath(path)) (left by an interrupted merge): "
                    + result.strayLookupFiles.joined(separator: ", ") + "; 'evchain audit \(Setting("repair"))' removes them"
            }
        }

        if let store = try ContractIndexStore(chain: path, writable: false) {
            result.contractIndex = try store.finding(expected: contracts.values.sorted { $0.key < $1.key }, committed: n)
        } else {
            result.contractIndex = "the chain has no contract index (an older chain)"
        }

        // Past the commit point: only a torn, unacknowledged tail may be there.
        result.tornTail = tornTail(l)
        return result
    }
}

extension ChainStore {
    /// The checkpoints an audit checks the tree against: each file of `paths`,
    /// then CHAIN.checkpoint when present. Every one must be a signed note of
    /// this log's origin (signed by `logKey` when given). The files of
    /// `paths` — whatever their names, the chain's own checkpoint file
    /// included — must also satisfy `CheckpointTrust` as evverify applies
    /// it: a valid cosignature by every independent key of `witnessKeys`
    /// and, with `tsaCAFile`, a valid timestamp token FILE.tsr. Witness keys
    /// and a CA need `logKey`. `indexWitnessKeys` are witness keys too,
    /// each required in the same way, on a checkpoint that carries an index
    /// root for them to have verified. A checkpoint that fails is a finding
    /// (kind failure) located at its file.
    public func auditCheckpoints(_ paths: [String], logKey: NoteVerifierKey?, witnessKeys: [NoteVerifierKey],
                                 indexWitnessKeys: [NoteVerifierKey] = [], tsaCAFile: String?) throws -> [Checkpoint] {
        var requirements: CheckpointTrust.Requirements?
        let witnessKeys = witnessKeys + indexWitnessKeys
        if let logKey {
            var r = CheckpointTrust.Requirements(logKey: logKey)
            r.witnessKeys = try CheckpointTrust.independentWitnessKeys(witnessKeys, logKey: logKey)
            r.indexWitnessKeys = try CheckpointTrust.independentWitnessKeys(indexWitnessKeys, logKey: logKey)
            r.quorum = r.witnessKeys.count
            r.acceptsNoWitness = r.witnessKeys.isEmpty
            r.tsaCAFile = tsaCAFile
            requirements = r
        } else if !witnessKeys.isEmpty || tsaCAFile != nil {
            throw EvidenceError.usage("\(Setting("witness-key")) and \(Setting("tsa-ca")) need \(Setting("log-key")): "
                                      + "a witness is independent only of a known log key, and a token covers the log's signature")
        }
        let saved = ChainStore.checkpointPath(path)
        var checkpoints: [Checkpoint] = []
        // What is checked follows from where a file was named, never from how
        // its path is spelled: CHAIN.checkpoint given as --checkpoint is checked in full too.
        for (file, given) in paths.map({ ($0, true) }) + (DurableFile.exists(saved) ? [(saved, false)] : []) {
            let bytes = try DurableFile.readAll(file)
            do {
                let note = try SignedNote(parsing: bytes)
                if given, let requirements {
                    var token: [UInt8]?
                    if requirements.tsaCAFile != nil {
                        let tokenPath = file + ".tsr"
                        guard DurableFile.exists(tokenPath) else {
                            throw EvidenceError.failure("no timestamp token \(tokenPath) (required by \(Setting("tsa-ca"))): keep the .tsr "
                                                        + "that 'evchain checkpoint \(Setting("tsa-url"))' wrote beside the checkpoint")
                        }
                        token = try DurableFile.readAll(tokenPath)
                    }
                    let trust = try CheckpointTrust(noteBytes: bytes, timestampToken: token, requirements: requirements)
                    if let failure = trust.failure { throw EvidenceError.failure(failure) }
                    if !requirements.indexWitnessKeys.isEmpty && trust.checkpoint.contractIndexRoot == nil {
                        throw EvidenceError.failure("the checkpoint carries no contract index root (\(Checkpoint.contractIndexLinePrefix) line) "
                                                    + "for \(Setting("index-witness")) to have verified")
                    }
                } else if let logKey {
                    try note.verify(logKey)
                }
                let cp = try Checkpoint(text: note.text)
                guard cp.origin == origin else {
                    throw EvidenceError.failure("checkpoint origin \"\(cp.origin)\" is not this chain's \"\(origin)\"")
                }
                checkpoints.append(cp)
            } catch let e as EvidenceError where e.kind != .io {
                throw EvidenceError.failure(e.message, at: file)
            }
        }
        return checkpoints
    }
}
