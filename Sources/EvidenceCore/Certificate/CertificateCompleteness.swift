import EvidenceLog
import EvidenceSupport

/// What a certificate carries so that its completeness claim (`--complete`,
/// `--require-stages`) is re-verified offline, and the re-verification:
///
///     "completeness": {"index_vouched_by": [names],
///       "contracts": [{"contract", "index_proof": {…INDEX-SPEC §2…},
///                      "entries": [{"seq","logged","record","leaf","proof"}, …]}]}
///
/// `entries` are all the contract's entries at the checkpoint, in seq
/// order, re-logged ones and those that are not items included: the check
/// is `ContractCompleteness` over them, against the checkpoint's index root.
extension CustodyCertificate {
    static func completenessJSON(_ report: EvidenceVerifier.Report) -> JSONValue? {
        guard let vouchers = report.indexVouchedBy else { return nil }
        var contracts: [JSONValue] = []
        for finding in report.contracts {
            var o = JSONObject()
            o.appendNew("contract", .string(finding.contract))
            if let complete = finding.complete, let proof = finding.indexProof {
                o.appendNew("index_proof", proof.json)
                o.appendNew("entries", .array(complete.entries.map { entry in
                    var e = JSONObject()
                    e.appendNew("seq", .number(Double(entry.seq)))
                    e.appendNew("logged", .string(entry.time))
                    e.appendNew("record", entry.record)
                    e.appendNew("leaf", .string(Hex.encode(entry.leaf)))
                    e.appendNew("proof", .array((finding.paths[entry.seq] ?? []).map { .string(Hex.encode($0)) }))
                    return .object(e)
                }))
            } else {
                o.appendNew("failure", .string(finding.failure ?? "not judged"))
            }
            contracts.append(.object(o))
        }
        return ["index_vouched_by": .array(vouchers.map { .string($0) }), "contracts": .array(contracts)]
    }

    /// Re-verifies the completeness a certificate claims: every contract of
    /// the items shown complete from its embedded material under the
    /// checker's trust; no entry of it left out of the items (`--complete`);
    /// its missing stages those its entries lack (`--require-stages`).
    static func checkCompleteness(_ doc: JSONObject, items: [JSONValue], trust: CheckpointTrust,
                                  acceptBankIndex: Bool, finding: (String) -> Void) {
        let verification = doc["verification"]
        let complete = verification?["complete"] == .bool(true)
        let required = verification?["required_stages"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard let material = doc["completeness"] else {
            if complete || !required.isEmpty {
                finding("completeness: missing: the certificate claims completeness without the contract index material to check it")
            }
            return
        }
        guard complete || !required.isEmpty else {
            finding("completeness: present, but the verification claims no completeness")
            return
        }
        // Vouched for as the checker's keys say, never as the certificate lists.
        if trust.indexCosigners.isEmpty && !acceptBankIndex {
            finding("completeness: rests on the bank's own signature alone: no index witness cosigned the checkpoint "
                    + "(give \(Setting("index-witness")) with the key of a notary that verifies the contract index, or \(Setting("accept-bank-index")))")
        }
        let cosignerNames = Set((doc["checkpoint"]?["cosigners"]?.arrayValue ?? []).compactMap {
            $0["key"]?.stringValue.flatMap { try? NoteVerifierKey(parsing: $0) }?.name
        })
        for name in material["index_vouched_by"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !cosignerNames.contains(name) {
            finding("completeness.index_vouched_by: \(name) is not a cosigner of the checkpoint")
        }
        if material["index_vouched_by"]?.arrayValue == nil { finding("completeness.index_vouched_by: missing") }

        let itemIDs = Set(items.compactMap { $0["id"]?.stringValue?.exact })
        var judged = Set<ExactString>()
        var stagesOf: [ExactString: Set<ExactString>] = [:]
        for (i, value) in (material["contracts"]?.arrayValue ?? []).enumerated() {
            guard let contract = value["contract"]?.stringValue else {
                finding("completeness.contracts[\(i)]: no contract")
                continue
            }
            let label = "completeness.contracts[\(i)] (\(contract))"
            if let failure = value["failure"]?.stringValue {
                finding("\(label): \(failure)")
                judged.insert(contract.exact)
                continue
            }
            do {
                guard let proofValue = value["index_proof"], case .array(let entryValues)? = value["entries"] else {
                    throw EvidenceError.input("index_proof or entries missing")
                }
                let proof = try ContractIndexProof(json: proofValue)
                var candidates: [ContractCompleteness.Candidate] = []
                for (j, e) in entryValues.enumerated() {
                    guard let seq = e["seq"]?.integerValue, seq >= 0, let logged = e["logged"]?.stringValue,
                          case .object(let record)? = e["record"], let leaf = e["leaf"]?.merkleHash,
                          let path = e["proof"]?.merklePath else {
                        throw EvidenceError.input("entries[\(j)]: seq, logged, record, leaf or proof missing")
                    }
                    var entry = ChainEntry(seq: UInt64(seq), time: logged, canonicalRecord: JCS.canonical(.object(record)))
                    entry.leaf = leaf
                    candidates.append(.init(entry: entry, path: path))
                }
                let shown = try ContractCompleteness(contract: contract, checkpoint: trust.checkpoint, indexProof: proof,
                                                     candidates: candidates)
                judged.insert(contract.exact)
                var stages = Set<ExactString>()
                for entry in shown.entries {
                    if case .string(let stage)? = entry.record["stage"] { stages.insert(stage.exact) }
                    if complete, verification?["logged_before"] == nil, case .string(let id)? = entry.record["id"],
                       !itemIDs.contains(id.exact) {
                        finding("\(label): the entry at seq \(entry.seq) (\(id)) is the contract's but not among the items")
                    }
                }
                stagesOf[contract.exact] = stages
            } catch let e as EvidenceError {
                finding("\(label): \(e.message)")
            } catch {
                finding("\(label): \(error)")
            }
        }
        for (i, summary) in (doc["contracts"]?.arrayValue ?? []).enumerated() {
            guard let contract = summary["contract"]?.stringValue else { continue }
            guard judged.contains(contract.exact) else {
                finding("contracts[\(i)] (\(contract)): no completeness material for it")
                continue
            }
            // Under --logged-before a stage logged later is missing: the cut is not re-applied here.
            guard let stages = stagesOf[contract.exact], verification?["logged_before"] == nil else { continue }
            let missing = required.filter { !stages.contains($0.exact) }
            let listed = summary["missing_stages"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if listed.map(\.exact) != missing.map(\.exact) {
                finding("contracts[\(i)] (\(contract)).missing_stages: not the required stages its entries lack (\(missing.joined(separator: ",")))")
            }
        }
    }
}
