import EvidenceLog
import EvidenceSupport

/// Inclusion proofs exported by `evchain prove`, one per line:
/// {"seq","time","record","leaf","tree_size","root","proof","checkpoint"};
/// and, for a contract asked for, its contract index proof:
/// {"contract_index":{"contract","key","siblings","leaf"},"tree_size","checkpoint"}.
/// A bundle holds only the entries asked for, so a verifier checks one
/// customer's evidence without seeing anyone else's.
public struct ProofBundle: Sendable {
    /// A contract's index proof (INDEX-SPEC §2) against the index root of
    /// the checkpoint of `treeSize`.
    public struct IndexLine: Sendable {
        public var proof: ContractIndexProof
        public var treeSize: UInt64
        public var checkpoint: String
        public var location: String

        public init(proof: ContractIndexProof, treeSize: UInt64, checkpoint: String, location: String = "") {
            self.proof = proof
            self.treeSize = treeSize
            self.checkpoint = checkpoint
            self.location = location
        }

        /// {"contract_index":{…},"tree_size","checkpoint"}
        public var json: JSONValue {
            var o = JSONObject()
            o.appendNew("contract_index", proof.json)
            o.appendNew("tree_size", .number(Double(treeSize)))
            o.appendNew("checkpoint", .string(checkpoint))
            return .object(o)
        }

        static func parse(_ o: JSONObject, location: String) throws -> IndexLine {
            func bad(_ what: String) -> EvidenceError { EvidenceError.input("index proof line: expected \(what)") }
            guard Set(o.keys) == ["contract_index", "tree_size", "checkpoint"] else {
                throw bad("exactly \"contract_index\", \"tree_size\" and \"checkpoint\"")
            }
            let proof = try ContractIndexProof(json: o["contract_index"]!)
            guard let size = o["tree_size"]?.integerValue, size > 0 else { throw bad("\"tree_size\" (positive integer)") }
            guard case .string(let checkpoint)? = o["checkpoint"] else { throw bad("\"checkpoint\" (signed note text)") }
            return IndexLine(proof: proof, treeSize: UInt64(size), checkpoint: checkpoint, location: location)
        }
    }

    public struct Line: Sendable {
        public var entry: ChainEntry
        public var treeSize: UInt64
        public var root: Hash
        public var path: [Hash]
        /// The checkpoint note the proof was made against.
        public var checkpoint: String
        public var location: String
        /// The entry's earliest dated checkpoint as the bank exported it
        /// (`KeptAttestations`): its tree size, note, token and consistency
        /// proof to `checkpoint`. Checked like any other past checkpoint.
        public var attestation: (size: UInt64, past: AttestedTimes.Past)?
    }

    public private(set) var lines: [Line] = []
    public private(set) var indexLines: [IndexLine] = []
    /// The checkpoint note of the bundle's first line of either kind.
    public private(set) var firstCheckpoint: String?
    private var byID: [ExactString: [Int]] = [:]

    public init() {}

    /// Reads every line; a malformed or truncated line is an input error
    /// naming it. A line whose `leaf` does not match its entry is kept: it
    /// makes its item `unproven`, not the whole run fail.
    public mutating func read(_ reader: JSONLinesReader) throws {
        while let object = try reader.nextObject() {
            do {
                if object["contract_index"] != nil {
                    let line = try IndexLine.parse(object, location: reader.location)
                    // One index proof per contract: two could tell two stories.
                    if let other = indexLines.first(where: { $0.proof.contract.exact == line.proof.contract.exact }) {
                        throw EvidenceError.input("a second index proof for contract \(line.proof.contract) (also at \(other.location))")
                    }
                    indexLines.append(line)
                    if firstCheckpoint == nil { firstCheckpoint = line.checkpoint }
                    continue
                }
                lines.append(try ProofBundle.parse(object, location: reader.location))
                if firstCheckpoint == nil { firstCheckpoint = lines.last!.checkpoint }
            } catch let e as EvidenceError {
                throw e.located(reader.location)
            }
            if case .string(let id)? = lines.last!.entry.record["id"] {
                byID[id.exact, default: []].append(lines.count - 1)
            }
        }
    }

    public func lines(forID id: String) -> [Line] { (byID[id.exact] ?? []).map { lines[$0] } }

    static func parse(_ o: JSONObject, location: String) throws -> Line {
        func bad(_ what: String) -> EvidenceError { EvidenceError.input("proof line: expected \(what)") }
        guard let seq = o["seq"]?.integerValue, seq >= 0 else { throw bad("\"seq\" (non-negative integer)") }
        guard case .string(let time)? = o["time"], RFC3339.isCanonicalUTC(time) else { throw bad("\"time\" (RFC 3339 UTC)") }
        guard case .object(let recordObject)? = o["record"] else { throw bad("\"record\" (evidence record)") }
        _ = try EvidenceRecord(json: recordObject)
        guard let leaf = o["leaf"]?.merkleHash else { throw bad("\"leaf\" (64 hex digits)") }
        guard let size = o["tree_size"]?.integerValue, size > 0 else { throw bad("\"tree_size\" (positive integer)") }
        guard let root = o["root"]?.merkleHash else { throw bad("\"root\" (64 hex digits)") }
        guard let path = o["proof"]?.merklePath else { throw bad("\"proof\" (array of 64-hex-digit hashes)") }
        guard case .string(let checkpoint)? = o["checkpoint"] else { throw bad("\"checkpoint\" (signed note text)") }
        var entry = ChainEntry(seq: UInt64(seq), time: time, canonicalRecord: JCS.canonical(.object(recordObject)))
        // Keep the leaf as claimed: the verifier recomputes it and compares.
        entry.leaf = leaf
        var attestation: (size: UInt64, past: AttestedTimes.Past)? = nil
        if let a = o["attestation"] {
            guard let past = a["tree_size"]?.integerValue, past > 0, let note = a["note"]?.stringValue,
                  let consistency = a["consistency"]?.merklePath else {
                throw bad("\"attestation\" ({\"tree_size\",\"note\",\"timestamp\",\"consistency\"})")
            }
            var token: [UInt8]? = nil
            if let text = a["timestamp"]?.stringValue {
                guard let t = Base64.decode(text) else { throw bad("\"attestation\".\"timestamp\" (base64)") }
                token = t
            }
            attestation = (UInt64(past), AttestedTimes.Past(note: Array(note.utf8), token: token, consistency: consistency))
        }
        return Line(entry: entry, treeSize: UInt64(size), root: root, path: path, checkpoint: checkpoint, location: location,
                    attestation: attestation)
    }
}
