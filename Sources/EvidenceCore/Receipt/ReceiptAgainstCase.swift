import EvidenceLog
import EvidenceSupport

extension ReceiptCheck {
    /// Item 3 of issue 24: a customer's receipt held against the case the
    /// bank presents. `checkpoint` is the verified (trusted) checkpoint,
    /// `consistency` the RFC 9162 proof from the receipt's tree size to it
    /// (from the bank's source; nil: the source has none, which fails the
    /// receipt unless the two checkpoints are the same), and
    /// `entries` the contract's entries the verifier proved at that
    /// checkpoint, all of them (their completeness checked against the
    /// index, seq order).
    ///
    /// Holds when the log at the verified checkpoint extends the one the
    /// receipt saw (consistency), and the contract's first `count` entries
    /// there reproduce the receipt's chain hash: then every entry the
    /// receipt holds is present, at its seq, unchanged. Each failure names
    /// the receipt (`name`) and the entry.
    public func against(checkpoint verified: Checkpoint, consistency: [Hash]?,
                        entries presented: [(seq: UInt64, leaf: Hash)], name: String) -> [String] {
        let prefix = "receipt \(name)"
        guard isValid, let mine = checkpoint, let value else {
            return ["\(prefix): does not hold (\(findings.joined(separator: "; ")))"]
        }
        guard mine.size <= verified.size else {
            return ["\(prefix): its checkpoint (tree size \(mine.size)) is newer than the verified one (tree size \(verified.size)): "
                    + "verify against a checkpoint at least as recent"]
        }
        var findings: [String] = []
        do {
            if mine.size == verified.size {
                guard mine.root == verified.root else { throw ProofError.rootMismatch }
            } else if let consistency {
                try Merkle.verifyConsistency(oldSize: mine.size, newSize: verified.size, oldRoot: mine.root,
                                             newRoot: verified.root, path: consistency)
            } else {
                // Unchecked is not consistent: the receipt's promise is about
                // the log it saw, and another log of the same origin could
                // hold the same entries.
                findings.append("\(prefix): the verified checkpoint (tree size \(verified.size)) cannot be proven consistent with "
                                + "the receipt's (tree size \(mine.size)): this source holds no consistency proof; "
                                + "verify with \(Setting("chain")) or \(Setting("tiles"))")
            }
        } catch {
            findings.append("\(prefix): the verified checkpoint (tree size \(verified.size)) is not proven consistent with the "
                            + "receipt's (tree size \(mine.size)): \(error)")
        }
        let bySeq = Dictionary(presented.map { ($0.seq, $0.leaf) }, uniquingKeysWith: { a, _ in a })
        for e in entries {
            let id = e.record["id"]?.stringValue.map { " (\($0))" } ?? ""
            switch bySeq[e.seq] {
            case nil: findings.append("\(prefix): entry seq \(e.seq)\(id) is withheld: the case does not present it")
            case let leaf? where leaf != e.leaf: findings.append("\(prefix): entry seq \(e.seq)\(id) is altered in the case")
            default: break
            }
        }
        let head = presented.prefix(Int(clamping: value.count))
        let reproduced = ContractIndex.value(of: contract, leaves: Array(head))
        if presented.count < Int(clamping: value.count) {
            findings.append("\(prefix): the contract's index shrank: \(presented.count) entries at tree size \(verified.size), "
                            + "\(value.count) in the receipt at tree size \(mine.size)")
        } else if reproduced?.chain != value.chain || reproduced?.last != value.last {
            findings.append("\(prefix): the contract's entries at tree size \(verified.size) do not extend the receipt's "
                            + "(their first \(value.count) do not reproduce its chain hash \(Hex.encode(value.chain)))")
        }
        return findings
    }
}
