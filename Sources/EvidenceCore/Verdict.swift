/// The outcome for one item, as `evverify` prints it and `evcatalog` reads it.
public struct Verdict: Sendable {
    public enum Status: String, Sendable {
        /// Byte for byte what the log holds, proven under a trusted checkpoint.
        case ok
        /// The original's digest differs from the logged one.
        case mismatch
        /// No entry for the item (or, for a stage, no evidence of it).
        case missing
        /// An entry matches, but its proof, the checkpoint's signatures or
        /// its timestamp do not hold.
        case unproven
    }

    public var id: String
    public var status: Status
    /// The record as logged when an entry was found, else as given.
    public var record: EvidenceRecord?
    /// The chain entry the item was matched (or compared) with.
    public var entry: ChainEntry?
    public var treeSize: UInt64?
    /// The audit path from the entry's leaf to the checkpoint root.
    public var proof: [[UInt8]]?
    /// The original's digest when it differs from the logged one.
    public var actualDigest: String?
    public var reason: String?
    /// For a missing-stage finding: the contract and stage.
    public var contract: String?
    public var stage: String?

    public init(id: String, status: Status) {
        self.id = id
        self.status = status
    }

    /// {record fields…, "status", "seq", "logged", "tree_size", "actual", "reason"}
    public var json: JSONValue {
        var o = JSONObject()
        if let record, case .object(let r) = record.json {
            for (k, v) in r { o.appendNew(k, v) }
        } else {
            o.appendNew("id", .string(id))
            if let contract { o.appendNew("contract", .string(contract)) }
            if let stage { o.appendNew("stage", .string(stage)) }
        }
        o["status"] = .string(status.rawValue)
        if let entry {
            o["seq"] = .number(Double(entry.seq))
            o["logged"] = .string(entry.time)
        }
        if let treeSize { o["tree_size"] = .number(Double(treeSize)) }
        if let actualDigest { o["actual"] = .string(actualDigest) }
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }

    /// `id: OK` or `id: FAILED (reason)`, like `sha256sum -c`.
    public var textLine: String {
        switch status {
        case .ok: return "\(id): OK"
        case .mismatch: return "\(id): FAILED (digest mismatch)"
        case .missing: return "\(id): FAILED (\(reason ?? "not in the log"))"
        case .unproven: return "\(id): FAILED (unproven: \(reason ?? "proof does not verify"))"
        }
    }
}
