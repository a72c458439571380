import EvidenceLog
import EvidenceSupport

/// What the bank hands a witness that verifies the contract index
/// (INDEX-SPEC §5), as JSON Lines that stream: the witness holds only the
/// batch's contracts, never the entries.
///
///     {"material":"evidence/contract-index-witness/v1","old_size":M,"new_size":N,"frontier":["<hex>",…]}
///     {"contract":"C1","key":"<hex>","siblings":[…],"leaf":{…}|null}     one index proof per contract the entries touch
///     {"record":{…},"seq":M,"time":"…"}                                   entries M … N-1, each its exact entry bytes
///
/// The frontier is the tree of size M's complete subtrees' hashes, largest
/// first; the proofs are against the index root at size M (any order, all
/// before the first entry); an entry line is the bytes whose SHA-256(0x00 ||
/// bytes) is its leaf. Nothing in it is trusted: the witness checks it
/// against its own state and the signed checkpoint (`IndexWitnessCheck`).
public enum IndexWitnessMaterial {
    public static let format = "evidence/contract-index-witness/v1"
    /// The longest line read: an entry is at most 64 KiB, a proof about 17 KB.
    public static let maximumLineLength = 1 << 20

    /// Writes the material for the entries [m, n) of `store` to `out`.
    /// Needs the chain's contract index at size m (none is needed at 0).
    public static func write(store: ChainStore, from m: UInt64, to n: UInt64, to out: ByteSink) throws {
        let size = try store.size()
        guard m <= n, n <= size else { throw EvidenceError.usage("need 0 <= from <= to <= \(size) (the chain's size)") }
        let tree = store.tree
        var frontier: [JSONValue] = []
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where m & (UInt64(1) << level) != 0 {
            frontier.append(.string(try tree.subtreeHash(start, start + (UInt64(1) << level)).hex))
            start += UInt64(1) << level
        }
        // The contracts the entries touch, in order of first appearance.
        var seen = Set<[UInt8]>()
        var contracts: [String] = []
        for seq in m..<n {
            if let contract = try store.entry(seq).record["contract"]?.stringValue, seen.insert(Array(contract.utf8)).inserted {
                contracts.append(contract)
            }
        }
        var header = JSONObject()
        header["material"] = .string(format)
        header["old_size"] = .number(Double(m))
        header["new_size"] = .number(Double(n))
        header["frontier"] = .array(frontier)
        out.write(JSONValue.object(header).serialized() + [0x0A])
        for contract in contracts {
            let proof = m == 0 ? ContractIndexProof(contract: contract, siblings: [], terminal: nil)
                               : try store.contractIndexProof(contract: contract, size: m)
            out.write(proof.json.serialized() + [0x0A])
        }
        for seq in m..<n {
            out.write(try store.entry(seq).entryBytes + [0x0A])
        }
    }

    /// The header: the material's old and new sizes and its frontier.
    public struct Header: Sendable {
        public var oldSize: UInt64
        public var newSize: UInt64
        public var frontier: [Hash]

        init(json: JSONObject) throws {
            func bad(_ what: String) -> EvidenceError { EvidenceError.input("index material: \(what)") }
            guard json["material"]?.stringValue == IndexWitnessMaterial.format else {
                throw bad("expected a first line {\"material\":\"\(IndexWitnessMaterial.format)\",…} (from 'evchain consistency \(Setting("index"))')")
            }
            for (name, _) in json where !["material", "old_size", "new_size", "frontier"].contains(name) {
                throw bad("unknown field \"\(name)\"")
            }
            guard let old = json["old_size"]?.integerValue, old >= 0, let new = json["new_size"]?.integerValue, new >= old else {
                throw bad("expected \"old_size\" and \"new_size\" (integers, old_size <= new_size)")
            }
            guard let list = json["frontier"]?.arrayValue, list.count <= 64 else { throw bad("expected \"frontier\" (at most 64 hashes)") }
            var frontier: [Hash] = []
            for (i, item) in list.enumerated() {
                guard let text = item.stringValue, let hash = Hash(hex: text) else {
                    throw bad("expected \"frontier\"[\(i)] (string of 64 hex digits)")
                }
                frontier.append(hash)
            }
            oldSize = UInt64(old); newSize = UInt64(new); self.frontier = frontier
        }
    }

    /// Reads the material from `lines` into the witness's check, starting it
    /// with `begin` (the witness's `IndexWitnessTask.begin`): header,
    /// proofs, then every entry, streamed in chunks. The lines of a chunk are
    /// parsed on every core (leaf and contract key of an entry, a proof's
    /// fields); the check takes them in order on one. Malformed lines are
    /// input errors located at their line; what does not verify is a failure.
    ///
    /// With `tiles`, the entries come from the log's published entry bundles
    /// instead (tlog-tiles of a tree of `newSize` leaves): the material's
    /// reading stops at its first entry line, so it may carry none.
    public static func read(_ lines: JSONLinesReader, newSize: UInt64, tiles: TileFetch? = nil,
                            begin: (_ oldSize: UInt64, _ frontier: [Hash]) throws -> IndexWitnessCheck) throws -> IndexWitnessCheck {
        guard let first = try lines.nextObject() else {
            throw EvidenceError.input("index material: empty (expected its header line)", at: lines.name)
        }
        let header: Header
        do { header = try Header(json: first) } catch let e as EvidenceError { throw e.located(lines.location) }
        guard header.newSize == newSize else {
            throw EvidenceError.failure("refused: the material is for size \(header.newSize), the checkpoint's size is \(newSize)", at: lines.location)
        }
        var check = try begin(header.oldSize, header.frontier)
        var entries = false
        let workers = ParallelMap.defaultWorkers
        reading: while let chunk = try lines.nextChunk(maxLines: 16384, maxBytes: 8 << 20) {
            let parsed = try parallelMap(chunk.shares(workers * 4)) { share in
                share.lines.map { i in
                    chunk.withLine(i) { bytes -> Result<Line, EvidenceError> in
                        do {
                            if bytes.starts(with: entryPrefix) {
                                let (leaf, seq, contract) = try entry(bytes)
                                return .success(.entry(leaf: leaf, seq: seq, contract: contract, key: contract.map(ContractIndex.key)))
                            }
                            return .success(.proof(try ContractIndexProof(json: try JSON.parse(bytes))))
                        } catch let e as EvidenceError {
                            return .failure(e)
                        } catch {
                            return .failure(EvidenceError.input("index material: \(error)"))
                        }
                    }
                }
            }.joined()
            for (i, result) in parsed.enumerated() {
                do {
                    switch try result.get() {
                    case .proof(let proof):
                        guard !entries else { throw EvidenceError.input("index material: an index proof after the first entry") }
                        try check.addProof(proof)
                    case .entry(let leaf, let seq, let contract, let key):
                        if tiles != nil { break reading }
                        entries = true
                        guard seq == check.size else {
                            throw EvidenceError.input("index material: the entry of seq \(seq) where entry \(check.size) belongs")
                        }
                        try check.append(leaf: leaf, contract: contract, key: key)
                    }
                } catch let e as EvidenceError {
                    throw e.located(chunk.location(i))
                }
            }
        }
        if let tiles { try appendEntries(from: tiles, to: &check, newSize: newSize) }
        return check
    }

    /// The entries [check.size, newSize) from the entry bundles of a tree of
    /// `newSize` leaves, each bundle's entries parsed on every core.
    static func appendEntries(from fetch: TileFetch, to check: inout IndexWitnessCheck, newSize: UInt64) throws {
        while check.size < newSize {
            let (index, width) = Tile.bundle(holding: check.size, treeSize: newSize)
            let path = Tile.entriesPath(index: index, width: width)
            guard let bytes = try fetch(path) else { throw EvidenceError.io("not found (the tiles are incomplete)", at: path) }
            let raw = try Tile.entries(ofBundle: bytes, width: width, path: path)
            guard raw.count == Int(width) else {
                throw EvidenceError.failure("refused: the entry bundle holds \(raw.count) entries, not \(width)", at: path)
            }
            let first = Int(check.size - index * Tile.width)
            let parsed = try parallelMap(Array(raw[first...])) { bytes in
                try bytes.withUnsafeBytes { b in
                    let (leaf, seq, contract) = try entry(b)
                    return (leaf, seq, contract, contract.map(ContractIndex.key))
                }
            }
            for (leaf, seq, contract, key) in parsed {
                guard seq == check.size else {
                    throw EvidenceError.failure("refused: the entry of seq \(seq) where entry \(check.size) belongs", at: path)
                }
                do { try check.append(leaf: leaf, contract: contract, key: key) } catch let e as EvidenceError { throw e.located(path) }
            }
        }
    }

    /// One material line past the header, parsed.
    enum Line {
        case proof(ContractIndexProof)
        case entry(leaf: Hash, seq: UInt64, contract: String?, key: Hash?)
    }

    /// Entry lines start with the RFC 8785 form's first member.
    static let entryPrefix: [UInt8] = Array(#"{"record":"#.utf8)

    /// An entry's leaf (of its bytes as given), its seq and its record's contract.
    static func entry(_ bytes: UnsafeRawBufferPointer) throws -> (leaf: Hash, seq: UInt64, contract: String?) {
        guard case .object(let o) = try JSON.parse(bytes), case .object(let record)? = o["record"],
              let seq = o["seq"]?.integerValue, seq >= 0 else {
            throw EvidenceError.input("index material: not a log entry {\"record\",\"seq\",\"time\"}")
        }
        var contract: String?
        if let value = record["contract"] {
            guard let text = value.stringValue else {
                throw EvidenceError.input("index material: the entry's \"contract\" is not a string")
            }
            contract = text
        }
        return (Merkle.leafHash(Array(bytes)), UInt64(seq), contract)
    }
}
