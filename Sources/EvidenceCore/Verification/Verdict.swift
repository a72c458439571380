import EvidenceLog
import EvidenceSupport

/// The outcome for one item, as `evverify` prints it and `evcatalog` reads it.
public struct Verdict: Sendable {
    public enum Status: String, Sendable {
        /// Byte for byte what the log holds (or, `checked` record, the given
        /// record's digest is the logged one), proven under the checkpoint.
        case ok
        /// The original's digest differs from the logged one; or it matches
        /// an entry of another contract or stage than it declares; or the id
        /// was logged again with another digest (`conflicts`).
        case mismatch
        /// No entry for the item, or no original; an entry not presented
        /// (`--complete`); or, for a stage, no evidence of it.
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
    public var proof: [Hash]?
    /// The original's digest when it differs from the logged one.
    public var actualDigest: String?
    public var reason: String?
    /// For a missing-stage finding: the contract and stage.
    public var contract: String?
    public var stage: String?
    /// What the digest compared with the entry's came from: `original`
    /// (recomputed from the file or data) or `record` (as the given evidence
    /// record states it; the original was not read). Nil when nothing was
    /// compared.
    public var checked: Checked?
    /// Valid witness cosignatures on the checkpoint that were checked.
    public var cosignatures: Int?
    /// Other entries of the same id whose digest the item does not match:
    /// the evidence was logged again, differently.
    public var conflicts: [ChainEntry] = []
    /// The earliest attested checkpoint holding the entry: when someone
    /// other than the bank dated it (`entry.time` is the bank's clock).
    public var attestation: Attestation?
    /// When completeness was judged (`--complete`, `--require-stages`): the
    /// index witnesses whose cosignatures vouch for the contract index;
    /// empty when it rests on the bank's own signature (accepted).
    public var indexVouchedBy: [String]?

    public enum Checked: String, Sendable {
        case original
        case record
    }

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
        if let attestation {
            o["attested"] = .string(attestation.timeText)
            o["attested_by"] = .string(attestation.basis.rawValue)
            o["attested_tree_size"] = .number(Double(attestation.treeSize))
        }
        if let treeSize { o["tree_size"] = .number(Double(treeSize)) }
        if let actualDigest { o["actual"] = .string(actualDigest) }
        if let reason { o["reason"] = .string(reason) }
        if let checked { o["checked"] = .string(checked.rawValue) }
        if let cosignatures { o["cosignatures"] = .number(Double(cosignatures)) }
        if !conflicts.isEmpty { o["conflicts"] = .array(conflicts.map(Verdict.conflictJSON)) }
        if let indexVouchedBy { o["index_vouched_by"] = .array(indexVouchedBy.map { .string($0) }) }
        return .object(o)
    }

    /// `json` as one output line, members in the order written.
    public var jsonLine: [UInt8] {
        var w = JSONWriter()
        w.write(json)
        w.writeRaw("\n")
        return w.bytes
    }

    /// {"seq","logged","digest"} of an entry the item does not match.
    static func conflictJSON(_ entry: ChainEntry) -> JSONValue {
        var o = JSONObject()
        o.appendNew("seq", .number(Double(entry.seq)))
        o.appendNew("logged", .string(entry.time))
        if let digest = entry.record["digest"] { o.appendNew("digest", digest) }
        return .object(o)
    }

    /// The seqs of the conflicting entries, for text: `seq 2 (2026-…Z)`.
    var conflictList: String {
        conflicts.map { "seq \($0.seq) (\($0.time))" }.joined(separator: ", ")
    }

    /// `id: OK` or `id: FAILED (reason)`, like `sha256sum -c`; an OK says
    /// when the original was not read or the id was logged again.
    public var textLine: String {
        switch status {
        case .ok:
            var notes: [String] = []
            if checked == .record { notes.append("record only: original not read") }
            if !conflicts.isEmpty { notes.append("also logged with another digest: \(conflictList)") }
            return notes.isEmpty ? "\(id): OK" : "\(id): OK (\(notes.joined(separator: "; ")))"
        case .mismatch:
            if actualDigest != nil || reason == nil { return "\(id): FAILED (digest mismatch)" }
            return "\(id): FAILED (\(reason!))"
        case .missing: return "\(id): FAILED (\(reason ?? "not in the log"))"
        case .unproven: return "\(id): FAILED (unproven: \(reason ?? "proof does not verify"))"
        }
    }
}
