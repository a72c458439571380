import EvidenceLog
import EvidenceSupport

/// One customer's receipt held against the case the bank presents
/// (`evverify --complete --receipts FILE`, `certify`): the receipt holds on
/// its own, and the case at the verified checkpoint extends it
/// (`ReceiptCheck.against`). Each finding names the receipt.
public struct ReceiptOutcome: Sendable {
    public var name: String
    public var contract: String
    public var treeSize: UInt64?
    public var entries = 0
    /// Whether the consistency of the receipt's checkpoint with the verified
    /// one was proven (a proof bundle carries no such proof).
    public var consistencyChecked = false
    public var findings: [String] = []
    public var isValid: Bool { findings.isEmpty }

    /// {"file","contract","tree_size","entries","result","consistency"}, for
    /// the certificate's `verification.receipts`.
    public var json: JSONValue {
        var o = JSONObject()
        o.appendNew("file", .string(name))
        o.appendNew("contract", .string(contract))
        if let treeSize { o.appendNew("tree_size", .number(Double(treeSize))) }
        o.appendNew("entries", .number(Double(entries)))
        o.appendNew("result", .string(isValid ? "ok" : "failed"))
        o.appendNew("consistency", .string(consistencyChecked ? "proven" : "not checked (the source holds no consistency proof)"))
        return .object(o)
    }

    /// `--text`: `receipt NAME: OK (contract C, n entries as of tree size m)`.
    public var textLine: String {
        let shown = DisplayText.visible(name, keepingLines: false)
        guard isValid else { return "receipt \(shown): FAILED" }
        return "receipt \(shown): OK (contract \(DisplayText.visible(contract, keepingLines: false)), \(entries) entries as of tree size \(treeSize ?? 0)"
            + (consistencyChecked ? "" : "; consistency not checked") + ")"
    }
}

extension EvidenceVerifier {
    /// Holds each receipt against `report`'s contracts (judged with
    /// `--complete`): the receipt is checked on its own under
    /// `requirements`, then `ReceiptCheck.against` the verified checkpoint,
    /// with the consistency proof from this verifier's source (the chain or
    /// tiles; a bundle has none). A receipt that is not one is an input
    /// error naming it.
    public func hold(receipts: [(name: String, bytes: [UInt8])], report: Report,
                     requirements: CheckpointTrust.Requirements, acceptBankIndex: Bool) throws -> [ReceiptOutcome] {
        try receipts.map { file in
            let receipt: ContractReceipt
            do { receipt = try ContractReceipt(bytes: file.bytes) } catch let e as EvidenceError { throw e.located(file.name) }
            var outcome = ReceiptOutcome(name: file.name, contract: receipt.contract)
            let check = try ReceiptCheck(receipt, requirements: requirements, acceptBankIndex: acceptBankIndex)
            outcome.treeSize = check.treeSize
            outcome.entries = check.entries.count
            guard check.isValid, let mine = check.checkpoint else {
                outcome.findings = ["receipt \(file.name): does not hold (\(check.findings.joined(separator: "; ")))"]
                return outcome
            }
            guard let judged = report.contracts.first(where: { $0.contract.sameBytes(as: receipt.contract) }) else {
                outcome.findings = ["receipt \(file.name): contract \(receipt.contract) has no item here: give its items with \(Setting("complete"))"]
                return outcome
            }
            guard let complete = judged.complete else {
                outcome.findings = ["receipt \(file.name): contract \(receipt.contract) is not shown complete, so its entries cannot be held against the receipt"
                                    + (judged.failure.map { " (\($0))" } ?? "")]
                return outcome
            }
            let n = trust.checkpoint.size
            var consistency: [Hash]? = nil
            if mine.size < n {
                switch source {
                case .chain(let store): consistency = try store.tree.consistencyProof(oldSize: mine.size, newSize: n)
                case .tiles(let log): consistency = try log.tree.consistencyProof(oldSize: mine.size, newSize: n)
                case .bundle: consistency = nil
                }
            }
            outcome.consistencyChecked = mine.size >= n || consistency != nil
            outcome.findings = check.against(checkpoint: trust.checkpoint, consistency: consistency,
                                             entries: complete.entries.map { (seq: $0.seq, leaf: $0.leaf) }, name: file.name)
            return outcome
        }
    }
}
