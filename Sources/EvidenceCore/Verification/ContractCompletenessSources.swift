import EvidenceLog
import EvidenceSupport

extension EvidenceVerifier {
    /// Judges the completeness of each contract (`--complete`,
    /// `--require-stages`) through `ContractCompleteness`: the index proof
    /// and the candidate entries with their audit paths come from the
    /// source, and nothing the source says is believed. `hints` are the
    /// entries the source's unsigned lookup found for each contract; one
    /// left out, added or retagged makes the contract fail, never pass.
    func judgeCompleteness(_ contracts: [String], hints: [ExactString: [ChainEntry]]) -> [ContractFinding] {
        let cp = trust.checkpoint
        let vouchers = trust.indexCosigners.map(\.key.name)
        return contracts.map { contract in
            var finding = ContractFinding(contract: contract)
            func failed(_ why: String) -> ContractFinding {
                finding.failure = "contract \(contract): \(why)"
                return finding
            }
            // What the index says is believed only as far as someone vouched for it.
            if let failure = trust.failure {
                return failed("completeness cannot be judged: the checkpoint cannot be relied on (\(failure))")
            }
            if vouchers.isEmpty && !options.acceptBankIndex {
                return failed("completeness would rest on the bank's own signature alone: no index witness cosigned the checkpoint "
                              + "(give \(Setting("index-witness")) with the key of a notary that verifies the contract index, "
                              + "or \(Setting("accept-bank-index")) to accept the bank's word)")
            }
            do {
                let proof: ContractIndexProof
                var candidates: [ContractCompleteness.Candidate] = []
                switch source {
                case .chain(let store):
                    guard cp.contractIndexRoot != nil else {
                        // The same refusal ContractCompleteness makes, before asking a log that may have no index.
                        proof = ContractIndexProof(contract: contract, siblings: [], terminal: nil)
                        break
                    }
                    proof = try store.contractIndexProof(contract: contract, size: cp.size)
                    let tree = store.tree
                    for entry in hints[contract.exact] ?? [] where entry.seq < cp.size {
                        candidates.append(.init(entry: entry, path: try tree.inclusionProof(index: entry.seq, treeSize: cp.size)))
                    }
                case .bundle(let bundle):
                    guard let line = bundle.indexLines.first(where: { $0.proof.contract.exact == contract.exact }) else {
                        return failed("the proof bundle holds no contract index proof for it "
                                      + "(export one with 'evchain prove' and the query {\"contract\":\"\(contract)\"})")
                    }
                    guard line.treeSize == cp.size else {
                        return failed("the bundle's index proof (\(line.location)) is against another checkpoint (tree size \(line.treeSize)), "
                                      + "not the one given (tree size \(cp.size))")
                    }
                    proof = line.proof
                    for l in bundle.lines {
                        guard case .string(let c)? = l.entry.record["contract"], c.exact == contract.exact else { continue }
                        guard l.treeSize == cp.size, l.root == cp.root else {
                            return failed("the bundle's proof of seq \(l.entry.seq) (\(l.location)) is against another checkpoint "
                                          + "(tree size \(l.treeSize)), not the one given (tree size \(cp.size))")
                        }
                        candidates.append(.init(entry: l.entry, path: l.path))
                    }
                case .tiles(let log):
                    guard cp.contractIndexRoot != nil else {
                        proof = ContractIndexProof(contract: contract, siblings: [], terminal: nil)
                        break
                    }
                    (proof, candidates) = try log.completenessEvidence(contract, checkpoint: cp, hinted: hints[contract.exact] ?? [])
                }
                let complete = try ContractCompleteness(contract: contract, checkpoint: cp, indexProof: proof, candidates: candidates)
                finding.complete = complete
                finding.indexProof = proof
                for c in candidates where finding.paths[c.entry.seq] == nil { finding.paths[c.entry.seq] = c.path }
                return finding
            } catch let e as EvidenceError {
                return failed(e.message.hasPrefix("contract \(contract): ") ? String(e.message.dropFirst("contract \(contract): ".count)) : e.message)
            } catch {
                return failed("\(error)")
            }
        }
    }
}
