import EvidenceLog
import EvidenceSupport

/// The customer's receipt (issue 24): what the log held for one contract as
/// of one checkpoint, in one JSON document the data subject keeps and anyone
/// checks offline with the log's and the witnesses' public keys.
///
///     {"type":"evidence-contract-receipt/v1",
///      "contract":"C2025-0001",
///      "checkpoint":{"note":"<signed note, every signature line>","timestamp":"<base64 RFC 3161>"?},
///      "index_proof":{"contract","key","siblings","leaf"},
///      "entries":[{"seq","time","record","leaf","proof":["<64 hex>",…]},…]}
///
/// Tree size, log root and index root are read from the note only, so that
/// no unsigned copy of them can disagree. `entries` are this contract's only
/// (ascending seq), so the receipt shows nothing of any other contract but
/// hashes: audit-path and index siblings. Written in RFC 8785 form.
public struct ContractReceipt: Sendable {
    public static let type = "evidence-contract-receipt/v1"

    public var contract: String
    /// The checkpoint note as the log and its witnesses signed it.
    public var note: [UInt8]
    public var timestampToken: [UInt8]?
    public var indexProof: ContractIndexProof
    public var entries: [Entry]

    public struct Entry: Sendable {
        /// Its leaf as the receipt states it: the checker recomputes it.
        public var entry: ChainEntry
        public var path: [Hash]
    }

    public init(contract: String, note: [UInt8], timestampToken: [UInt8]?, indexProof: ContractIndexProof, entries: [Entry]) {
        self.contract = contract; self.note = note; self.timestampToken = timestampToken
        self.indexProof = indexProof; self.entries = entries
    }

    public var json: JSONValue {
        var cp = JSONObject()
        cp.appendNew("note", .string(String(decoding: note, as: UTF8.self)))
        if let timestampToken { cp.appendNew("timestamp", .string(Base64.encode(timestampToken))) }
        var o = JSONObject()
        o.appendNew("type", .string(ContractReceipt.type))
        o.appendNew("contract", .string(contract))
        o.appendNew("checkpoint", .object(cp))
        o.appendNew("index_proof", indexProof.json)
        o.appendNew("entries", .array(entries.map { e in
            var line = e.entry.json
            line["proof"] = .array(e.path.map { .string(Hex.encode($0)) })
            return .object(line)
        }))
        return .object(o)
    }

    /// The document's bytes: RFC 8785, one line.
    public var bytes: [UInt8] { JCS.canonical(json) }

    /// Parses strictly; a field of the wrong shape is an input error naming
    /// it. Nothing is checked here beyond shape: that is `ReceiptCheck`'s work.
    public init(json value: JSONValue) throws {
        func bad(_ what: String) -> EvidenceError { EvidenceError.input("receipt: expected \(what)") }
        guard case .object(let o) = value else { throw bad("a JSON object") }
        guard o["type"]?.stringValue == ContractReceipt.type else { throw bad("\"type\": \"\(ContractReceipt.type)\"") }
        guard let contract = o["contract"]?.stringValue else { throw bad("\"contract\" (string)") }
        guard case .object(let cp)? = o["checkpoint"], let note = cp["note"]?.stringValue else {
            throw bad("\"checkpoint\": {\"note\": signed note text}")
        }
        var token: [UInt8]? = nil
        if let t = cp["timestamp"] {
            guard let text = t.stringValue, let bytes = Base64.decode(text) else { throw bad("\"checkpoint\".\"timestamp\" (base64)") }
            token = bytes
        }
        guard let proofValue = o["index_proof"] else { throw bad("\"index_proof\"") }
        let indexProof: ContractIndexProof
        do { indexProof = try ContractIndexProof(json: proofValue) } catch let e as EvidenceError where e.kind == .input {
            throw EvidenceError.input("receipt: \"index_proof\": \(e.message)")
        }
        guard case .array(let list)? = o["entries"] else { throw bad("\"entries\" (array)") }
        var entries: [Entry] = []
        for (i, item) in list.enumerated() {
            let at = "\"entries\"[\(i)]"
            guard let seq = item["seq"]?.integerValue, seq >= 0 else { throw bad("\(at).\"seq\" (non-negative integer)") }
            guard let time = item["time"]?.stringValue, RFC3339.isCanonicalUTC(time) else { throw bad("\(at).\"time\" (RFC 3339 UTC)") }
            guard case .object? = item["record"] else { throw bad("\(at).\"record\" (object)") }
            guard let leaf = item["leaf"]?.merkleHash else { throw bad("\(at).\"leaf\" (64 hex digits)") }
            guard let path = item["proof"]?.merklePath else { throw bad("\(at).\"proof\" (array of 64-hex-digit hashes)") }
            var entry = ChainEntry(seq: UInt64(seq), time: time, canonicalRecord: JCS.canonical(item["record"]!))
            // As stated: the checker compares it with the recomputed leaf.
            entry.leaf = leaf
            entries.append(Entry(entry: entry, path: path))
        }
        self.init(contract: contract, note: Array(note.utf8), timestampToken: token, indexProof: indexProof, entries: entries)
    }

    public init(bytes: [UInt8]) throws {
        try self.init(json: try JSON.parse(bytes))
    }
}
