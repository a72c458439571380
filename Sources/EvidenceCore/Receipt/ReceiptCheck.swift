import EvidenceLog
import EvidenceSupport

/// `evverify check-receipt`: a receipt checked offline with keys the checker
/// trusts (nothing in the receipt is trusted: every leaf is recomputed from
/// its entry's bytes, every proof is checked against the checkpoint the
/// log signed and the witnesses cosigned).
///
/// What a receipt that holds proves: these entries were in the log, and
/// they were exactly the contract's entries (its index value is
/// reproduced by them and no other), as of that checkpoint. What it does
/// not: anything logged after it; and the "exactly" rests on the index
/// witnesses that cosigned, or else on the bank's own signature.
public struct ReceiptCheck: Sendable {
    public var contract: String
    public var treeSize: UInt64?
    /// The receipt's checkpoint as signed (trusted only when `isValid`).
    public var checkpoint: Checkpoint?
    /// The entries that checked, in seq order.
    public var entries: [ChainEntry] = []
    /// The contract's index value the proof shows (nil: absent or unproven).
    public var value: ContractIndexLeaf?
    public var cosigners: [String] = []
    public var indexVouchedBy: [String] = []
    /// No index witness cosigned, and the checker accepted the bank's word.
    public var restsOnBankIndex = false
    public var timestampTime: String?
    public var witnessSummary: String?
    /// Each `field: what is wrong`; empty when the receipt holds.
    public var findings: [String] = []
    public var isValid: Bool { findings.isEmpty }

    /// The checks that need no key: the entries, their proofs and the index
    /// proof against `checkpoint` (which the caller has trusted or will),
    /// by `ContractCompleteness`, the one check every source of a
    /// contract's entries goes through. Used by `evchain receipt` too, so
    /// that no receipt is handed out that fails them.
    public static func contents(_ receipt: ContractReceipt, checkpoint: Checkpoint) -> (findings: [String], entries: [ChainEntry], value: ContractIndexLeaf?) {
        // The format lists the entries once each, in ascending seq; the
        // completeness check would take a repeated entry as one.
        var previous: UInt64? = nil
        for (i, e) in receipt.entries.enumerated() {
            if let p = previous, e.entry.seq <= p {
                return (["entries[\(i)] (seq \(e.entry.seq)): not after the previous entry's seq \(p)"], [], nil)
            }
            previous = e.entry.seq
        }
        do {
            let complete = try ContractCompleteness(contract: receipt.contract, checkpoint: checkpoint, indexProof: receipt.indexProof,
                                                    candidates: receipt.entries.map { .init(entry: $0.entry, path: $0.path) })
            guard let value = complete.value else {
                return (["index_proof: shows the contract absent from the index at tree size \(checkpoint.size)"], [], nil)
            }
            return ([], complete.entries, value)
        } catch let e as EvidenceError {
            return ([e.message], [], nil)
        } catch {
            return (["contract \(receipt.contract): \(error)"], [], nil)
        }
    }

    /// Only index witnesses' cosignatures (`CheckpointTrust.indexCosigners`)
    /// vouch for "exactly these entries". With none, that claim fails
    /// unless `acceptBankIndex`, and then says it rests on the bank.
    public init(_ receipt: ContractReceipt, requirements: CheckpointTrust.Requirements, acceptBankIndex: Bool) throws {
        contract = receipt.contract
        let trust = try CheckpointTrust(noteBytes: receipt.note, timestampToken: receipt.timestampToken, requirements: requirements)
        treeSize = trust.checkpoint.size
        checkpoint = trust.checkpoint
        witnessSummary = trust.witnessSummary
        timestampTime = trust.timestampTime
        cosigners = trust.cosigners.map(\.key.name)
        if let failure = trust.failure { findings.append("checkpoint: \(failure)") }
        let contents = ReceiptCheck.contents(receipt, checkpoint: trust.checkpoint)
        findings += contents.findings
        entries = contents.entries
        value = contents.value
        indexVouchedBy = trust.indexCosigners.map(\.key.name)
        if indexVouchedBy.isEmpty {
            if acceptBankIndex {
                restsOnBankIndex = true
            } else {
                findings.append("index: no index witness cosigned the checkpoint, so \"exactly these entries\" rests on the bank's own "
                                + "signature: give \(Setting("index-witness")) or \(Setting("accept-bank-index"))")
            }
        }
    }

    /// What a receipt that holds proves, in words.
    public var proves: String {
        let n = entries.count
        return "these \(n) entr\(n == 1 ? "y was" : "ies were") in the log, and \(n == 1 ? "it was" : "they were") exactly contract "
            + "\(contract)'s entries, as of the checkpoint of tree size \(treeSize ?? 0)"
            + (restsOnBankIndex ? " (the \"exactly\" rests on the bank's own signature: no index witness cosigned)"
                                : " (the contract index vouched for by \(indexVouchedBy.joined(separator: ", ")))")
    }

    public static let doesNotProve = "anything logged after that checkpoint; that the records' contents (the originals) are true; "
        + "the bank's time of each entry (it is the bank's word, bounded only by the checkpoint's cosignature and timestamp)"

    public var json: JSONValue {
        var o = JSONObject()
        o.appendNew("receipt", .string(contract))
        o.appendNew("status", .string(isValid ? "ok" : "failed"))
        if let treeSize { o.appendNew("tree_size", .number(Double(treeSize))) }
        o.appendNew("entries", .array(entries.map { e in
            var x = JSONObject()
            x.appendNew("seq", .number(Double(e.seq)))
            if let id = e.record["id"] { x.appendNew("id", id) }
            if let stage = e.record["stage"] { x.appendNew("stage", stage) }
            x.appendNew("logged", .string(e.time))
            return .object(x)
        }))
        if let value {
            o.appendNew("index", ["count": .number(Double(value.count)), "last": .number(Double(value.last)),
                                  "chain": .string(Hex.encode(value.chain))])
        }
        o.appendNew("cosigners", .array(cosigners.map { .string($0) }))
        o.appendNew("index_vouched_by", .array(indexVouchedBy.map { .string($0) }))
        if restsOnBankIndex { o.appendNew("index_rests_on", "the log's own signature (--accept-bank-index)") }
        if let timestampTime { o.appendNew("timestamp", .string(timestampTime)) }
        if isValid {
            o.appendNew("proves", .string(proves))
            o.appendNew("does_not_prove", .string(ReceiptCheck.doesNotProve))
        }
        o.appendNew("findings", .array(findings.map { .string($0) }))
        return .object(o)
    }

    /// `--text`: `C: OK (…)` or `C: FAILED finding` lines, then what it proves.
    public var text: String {
        let name = DisplayText.visible(contract, keepingLines: false)
        guard isValid else { return findings.map { "\(name): FAILED \($0)\n" }.joined() }
        var s = "\(name): OK (\(entries.count) entries, checkpoint tree size \(treeSize ?? 0))\n"
        for e in entries {
            let id = e.record["id"]?.stringValue.map { DisplayText.visible($0, keepingLines: false) } ?? "?"
            s += "\(name): seq \(e.seq) \(id) logged \(e.time)\n"
        }
        if let witnessSummary { s += witnessSummary + "\n" }
        s += "\(name): proves: \(DisplayText.visible(proves, keepingLines: false))\n"
        s += "\(name): does not prove: \(ReceiptCheck.doesNotProve)\n"
        return s
    }
}
