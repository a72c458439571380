import EvidenceLog
import EvidenceSupport

extension TileLog {
    /// What a tiles export offers for the completeness of `contract` at
    /// `checkpoint` (`ContractCompleteness` judges it): the index proof built
    /// from the index tiles, and as candidates the entries of `hinted` (what
    /// the contract's lookup shard listed) with audit paths from the hash
    /// tiles. The shard is only a hint: when it leaves out the entry the
    /// index names as the contract's last (a re-logged conflict is usually
    /// the last), that entry is read from its bundle and offered too; any
    /// other entry left out makes the check fail.
    func completenessEvidence(_ contract: String, checkpoint: Checkpoint, hinted: [ChainEntry])
        throws -> (proof: ContractIndexProof, candidates: [ContractCompleteness.Candidate]) {
        let proof: ContractIndexProof
        do {
            proof = try contractIndexProof(contract)
        } catch let e as EvidenceError where e.location != nil {
            // Said in the contract's failure line, which carries no location of its own.
            throw EvidenceError(e.kind, "\(e.location!): \(e.message)")
        }
        var entries = hinted.filter { $0.seq < checkpoint.size }
        if let root = checkpoint.contractIndexRoot, let value = try? proof.verify(root: root),
           value.last < checkpoint.size, !entries.contains(where: { $0.seq == value.last }) {
            entries.append(try entry(value.last))
        }
        let candidates = try entries.map {
            ContractCompleteness.Candidate(entry: $0, path: try tree.inclusionProof(index: $0.seq, treeSize: checkpoint.size))
        }
        return (proof, candidates)
    }
}
