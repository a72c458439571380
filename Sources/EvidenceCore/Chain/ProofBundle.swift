import EvidenceLog
import EvidenceSupport

/// Inclusion proofs exported by `evchain prove`, one per line:
/// {"seq","time","record","leaf","tree_size","root","proof","checkpoint"}.
/// A bundle holds only the entries asked for, so a verifier checks one
/// customer's evidence without seeing anyone else's.
public struct ProofBundle: Sendable {
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
    private var byID: [ExactString: [Int]] = [:]

    public init() {}

    /// Reads every line; a malformed or truncated line is an input error
    /// naming it. A line whose `leaf` does not match its entry is kept: it
    /// makes its item `unproven`, not the whole run fail.
    public mutating func read(_ reader: JSONLinesReader) throws {
        while let object = try reader.nextObject() {
            do {
                lines.append(try ProofBundle.parse(object, location: reader.location))
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
