import EvidenceLog
import EvidenceSupport

extension ChainStore {
    /// The bundle line carrying `contract`'s index proof at `cp` (what
    /// `evchain prove` exports for a query {"contract":C}), checked first
    /// with `ContractCompleteness` against the entries at `seqs`, as a
    /// verifier will check it: never hand out proofs that do not verify.
    public func contractIndexLine(contract: String, seqs: [UInt64], against cp: ChainCheckpoint) throws -> ProofBundle.IndexLine {
        guard cp.checkpoint.contractIndexRoot != nil else {
            throw EvidenceError.failure("the checkpoint (tree size \(cp.checkpoint.size)) carries no contract index root: "
                                        + "no completeness can be proven against it (seal a new checkpoint once the log has an index)")
        }
        let proof = try contractIndexProof(contract: contract, size: cp.checkpoint.size)
        let candidates = try seqs.map { seq in
            let p = try inclusionProof(seq: seq, against: cp)
            return ContractCompleteness.Candidate(entry: p.entry, path: p.path)
        }
        do {
            _ = try ContractCompleteness(contract: contract, checkpoint: cp.checkpoint, indexProof: proof, candidates: candidates)
        } catch let e as EvidenceError {
            throw EvidenceError.failure("the stored contract index does not match the entries found: \(e.message) (run 'evchain audit')")
        }
        return ProofBundle.IndexLine(proof: proof, treeSize: cp.checkpoint.size, checkpoint: cp.note)
    }
}
