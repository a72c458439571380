import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// A checkpoint that has been matched against this chain.
public struct ChainCheckpoint: Sendable {
    public var checkpoint: Checkpoint
    /// The full signed note, as given (with any cosignatures).
    public var note: String
}

/// One self-contained inclusion proof: the entry, its leaf, the RFC 9162
/// audit path and the checkpoint it leads to. A verifier needs nothing
/// else from the log (and the log's and witnesses' public keys):
/// leaf = SHA-256(0x00 || JCS({"seq","time","record"})), then RFC 9162
/// §2.1.3.2 from the leaf along `proof` to the checkpoint's root.
public struct InclusionProof: Sendable {
    public var entry: ChainEntry
    public var treeSize: UInt64
    public var root: Hash
    public var path: [Hash]
    public var checkpoint: String
    /// The entry's earliest kept, dated checkpoint (`KeptAttestations`), if any.
    public var attestation: JSONValue?

    /// {"seq","time","record","leaf","tree_size","root","proof","checkpoint","attestation"?}
    public var json: JSONValue {
        var o = entry.json
        o["tree_size"] = .number(Double(treeSize))
        o["root"] = .string(Hex.encode(root))
        o["proof"] = .array(path.map { .string(Hex.encode($0)) })
        o["checkpoint"] = .string(checkpoint)
        if let attestation { o["attestation"] = attestation }
        return .object(o)
    }

    /// C2SP tlog-proof@v1; the `extra` line carries the entry bytes whose
    /// leaf hash the proof starts from, so the text stands alone.
    public var tlogProof: String {
        var s = "c2sp.org/tlog-proof@v1\n"
        s += "extra \(Base64.encode(entry.entryBytes))\n"
        s += "index \(entry.seq)\n"
        for h in path { s += h.base64 + "\n" }
        return s + "\n" + checkpoint
    }
}

extension ChainStore {
    /// A C2SP checkpoint of the committed tree, signed with `key`. The key
    /// must be named after the log's origin: verifiers find the log's key by
    /// the checkpoint's first line, so a note signed by any other key would
    /// be a checkpoint nobody can check (and must not replace CHAIN.checkpoint).
    public func signCheckpoint(with key: some NoteSigner) throws -> [UInt8] {
        guard key.name == origin else {
            throw EvidenceError.usage("the key is named \"\(key.name)\", not this log's origin \"\(origin)\": "
                                      + "only the log's own key signs its checkpoints")
        }
        let size = try self.size()
        // The contract index line whenever the chain has an index at this size (INDEX-SPEC §3).
        return try Checkpoint(origin: origin, size: size, root: try tree.treeHash(size: size),
                              contractIndexRoot: try contractIndexRoot(size: size)).signed(with: key).bytes
    }

    /// The checkpoint to prove against: `given` note bytes, or the latest
    /// one `evchain checkpoint` saved. Its origin, size and root must be
    /// this chain's (a checkpoint of another log, or of a rewritten one, is
    /// a failure). The log's signature is checked when `logKey` is given.
    public func matchCheckpoint(_ given: [UInt8]?, logKey: NoteVerifierKey? = nil) throws -> ChainCheckpoint {
        guard let bytes = try given ?? latestCheckpoint() else {
            throw EvidenceError.usage("no checkpoint: run 'evchain checkpoint' or give \(Setting("checkpoint"))")
        }
        let note: SignedNote
        do {
            note = try SignedNote(parsing: bytes)
        } catch let error as EvidenceError where given != nil && error.kind == .failure {
            // A file the operator named that is no signed note is bad input,
            // not a finding about the log.
            throw EvidenceError.input("\(Setting("checkpoint")): \(error.message)")
        }
        if let logKey { try note.verify(logKey) }
        let cp = try Checkpoint(text: note.text)
        guard cp.origin == origin else {
            throw EvidenceError.failure("checkpoint origin \"\(cp.origin)\" is not this chain's \"\(origin)\"")
        }
        let n = try size()
        guard cp.size <= n else {
            throw EvidenceError.failure(ChainStore.checkpointBeyondChain(size: cp.size, committed: n), at: path)
        }
        let root = try tree.treeHash(size: cp.size)
        guard root == cp.root else {
            throw EvidenceError.failure("checkpoint root at size \(cp.size) does not match the chain")
        }
        return ChainCheckpoint(checkpoint: cp, note: String(decoding: bytes, as: UTF8.self))
    }

    public func inclusionProof(seq: UInt64, against cp: ChainCheckpoint) throws -> InclusionProof {
        guard seq < cp.checkpoint.size else {
            throw EvidenceError.failure("entry \(seq) is not covered by the checkpoint (size \(cp.checkpoint.size))")
        }
        let entry = try self.entry(seq)
        let path = try tree.inclusionProof(index: seq, treeSize: cp.checkpoint.size)
        // Never hand out a proof that does not verify.
        do {
            try Merkle.verifyInclusion(leafHash: entry.leaf, index: seq, treeSize: cp.checkpoint.size,
                                       path: path, root: cp.checkpoint.root)
        } catch {
            throw EvidenceError.failure("stored hashes do not prove entry \(seq): \(error) (run 'evchain audit')")
        }
        return InclusionProof(entry: entry, treeSize: cp.checkpoint.size, root: cp.checkpoint.root,
                              path: path, checkpoint: cp.note, attestation: nil)
    }

    public func consistencyProof(from m: UInt64, to n: UInt64) throws -> ConsistencyProof {
        // What a standard witness accepts (c2sp.org/tlog-witness): for old
        // size 0 no proof at all, and verifiers such as Go's tlog.CheckTree
        // reject a "proof" from the empty tree.
        guard m > 0 else {
            throw EvidenceError.usage("no consistency proof from size 0 (RFC 9162 defines none): a notary that never "
                                      + "cosigned this log takes its first checkpoint without one ('evchain cosign \(Setting("init"))')")
        }
        let size = try self.size()
        guard m <= n, n <= size else {
            throw EvidenceError.usage("need 0 <= from <= to <= \(size) (the chain's size)")
        }
        let t = tree
        let proof = ConsistencyProof(oldSize: m, newSize: n, oldRoot: try t.treeHash(size: m),
                                     newRoot: try t.treeHash(size: n),
                                     path: try t.consistencyProof(oldSize: m, newSize: n))
        do {
            try Merkle.verifyConsistency(oldSize: m, newSize: n, oldRoot: proof.oldRoot, newRoot: proof.newRoot, path: proof.path)
        } catch {
            throw EvidenceError.failure("stored hashes give no valid consistency proof: \(error) (run 'evchain audit')")
        }
        return proof
    }

    /// What `prove` and `show` look entries up by.
    public enum Query: Sendable {
        case seq(UInt64)
        case id(String)
        case digest(String)
        /// Every entry of a contract, with the contract's index proof.
        case contract(String)

        /// A query line: a number (seq), a string (id), or an object with
        /// "seq", else "digest", else "id" (an evidence record works as is),
        /// else "contract".
        public init(json value: JSONValue) throws {
            switch value {
            case .number:
                guard let n = value.integerValue, n >= 0 else { throw EvidenceError.input("expected a seq (non-negative integer)") }
                self = .seq(UInt64(n))
            case .string(let s): self = .id(s)
            case .object(let o):
                if let v = o["seq"] {
                    guard let n = v.integerValue, n >= 0 else { throw EvidenceError.input("expected \"seq\" (non-negative integer)") }
                    self = .seq(UInt64(n))
                } else if let v = o["digest"] {
                    guard case .string(let d) = v, Hex.isLowercase(d, byteCount: d.utf8.count / 2), !d.isEmpty else {
                        throw EvidenceError.input("expected \"digest\" (lowercase hex string)")
                    }
                    self = .digest(d)
                } else if case .string(let id)? = o["id"] {
                    self = .id(id)
                } else if case .string(let contract)? = o["contract"] {
                    self = .contract(contract)
                } else {
                    throw EvidenceError.input("expected \"seq\", \"digest\", \"id\" or \"contract\"")
                }
            default:
                throw EvidenceError.input("expected a seq, an id or an object with \"seq\", \"digest\" or \"id\"; found \(value.typeName)")
            }
        }
    }

    /// The seqs (below `limit`) each query matches, in query order. Seqs
    /// are looked up directly, ids through `CHAIN.lookup`, digests by one
    /// pass over the entries (an id or digest may appear in more than one
    /// entry: all are returned). Entries the lookup does not cover are read.
    public func resolve(_ queries: [Query], limit: UInt64) throws -> [[UInt64]] {
        var result = [[UInt64]](repeating: [], count: queries.count)
        // Ids by bytes, as the lookup keys them: a look-alike is another id.
        var byID: [ExactString: [Int]] = [:], byDigest: [String: [Int]] = [:], byContract: [ExactString: [Int]] = [:]
        for (i, q) in queries.enumerated() {
            switch q {
            case .seq(let s): if s < limit { result[i] = [s] }
            case .id(let id): byID[id.exact, default: []].append(i)
            case .digest(let d): byDigest[d, default: []].append(i)
            case .contract(let c): byContract[c.exact, default: []].append(i)
            }
        }
        if byID.isEmpty && byDigest.isEmpty && byContract.isEmpty { return result }
        // With digests to find the whole chain is read anyway.
        var seq: UInt64 = 0
        if byDigest.isEmpty {
            let (lookup, covered) = readableLookup(below: limit)
            let context = HashContext(.sha256)
            for (id, qs) in byID {
                let seqs = try lookedUp(.id, id.string, in: lookup, covered: covered, context: context)
                for q in qs { result[q] += seqs }
            }
            for (c, qs) in byContract {
                let seqs = try lookedUp(.contract, c.string, in: lookup, covered: covered, context: context)
                for q in qs { result[q] += seqs }
            }
            seq = covered
        }
        var reader = SequentialReader(data, from: seq == 0 ? 0 : try end(of: seq - 1))
        while seq < limit, let (bytes, complete) = try reader.nextLine(), complete {
            let value = try bytes.withUnsafeBytes { try JSON.parse($0) }
            if case .object(let record)? = value["record"] {
                if case .string(let id)? = record["id"], let qs = byID[id.exact] { for q in qs { result[q].append(seq) } }
                if case .string(let c)? = record["contract"], let qs = byContract[c.exact] { for q in qs { result[q].append(seq) } }
                if case .string(let d)? = record["digest"], let qs = byDigest[d] { for q in qs { result[q].append(seq) } }
                if case .object(let all)? = record["digests"] {
                    for (_, v) in all {
                        if case .string(let d) = v, d != record["digest"]?.stringValue, let qs = byDigest[d] {
                            for q in qs { result[q].append(seq) }
                        }
                    }
                }
            }
            seq += 1
        }
        return result
    }
}
