import EvidenceLog
import EvidenceSupport

extension ChainStore {
    /// The receipt of `contract` as of `cp`: its entries below the
    /// checkpoint's size, each with its inclusion proof, and its index proof
    /// at that size. A cosigned checkpoint is the caller's to require.
    ///
    /// Never hands out a receipt that does not check: it must pass the
    /// keyless checks of `ReceiptCheck.contents` (else the log or its index
    /// is damaged, a failure naming `evchain audit`); a contract with no
    /// entry gets no receipt (nothing to show).
    public func receipt(contract: String, against cp: ChainCheckpoint, timestampToken: [UInt8]?) throws -> ContractReceipt {
        let size = cp.checkpoint.size
        guard cp.checkpoint.contractIndexRoot != nil else {
            throw EvidenceError.failure("the checkpoint (size \(size)) carries no contract index root: a receipt needs one "
                                        + "(append to the log or run 'evchain audit --repair', then checkpoint again)")
        }
        let indexProof = try contractIndexProof(contract: contract, size: size)
        var seqs: [UInt64] = []
        if size > 0 {
            try show(from: 0, through: size - 1, contract: contract, stage: nil) { line in
                let parsed = try line.dropLast().withUnsafeBytes { try JSON.parse($0) }
                if let seq = parsed["seq"]?.integerValue { seqs.append(UInt64(seq)) }
            }
        }
        guard !seqs.isEmpty else {
            throw EvidenceError.failure("no entry of contract \"\(contract)\" under the checkpoint (size \(size)): nothing to give a receipt for")
        }
        var entries: [ContractReceipt.Entry] = []
        for seq in seqs {
            let proof = try inclusionProof(seq: seq, against: cp)
            entries.append(ContractReceipt.Entry(entry: proof.entry, path: proof.path))
        }
        let receipt = ContractReceipt(contract: contract, note: Array(cp.note.utf8), timestampToken: timestampToken,
                                      indexProof: indexProof, entries: entries)
        // The same checks check-receipt makes, minus the keys.
        let findings = ReceiptCheck.contents(receipt, checkpoint: cp.checkpoint).findings
        guard findings.isEmpty else {
            throw EvidenceError.failure("the receipt of \"\(contract)\" would not check (\(findings.joined(separator: "; "))); run 'evchain audit'",
                                        at: path)
        }
        return receipt
    }
}
