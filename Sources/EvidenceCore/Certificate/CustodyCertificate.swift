import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The custody certificate (全流程存证保管单): one self-contained JSON
/// document that anyone holding the issuer's, the log's and the witnesses'
/// public keys re-verifies offline, years later, without the log.
///
/// It carries, for each item, the entry as logged (record, seq, time of
/// deposit), its leaf and RFC 9162 audit path; the checkpoint note with the
/// log's signature and the witnesses' cosignatures (and any RFC 3161
/// token); the verification's time and result; and, for each contract, the
/// lifecycle stages found. Per-field digests (`sections`) let a checker name
/// the field that was edited; the issuer's Ed25519 signature covers
/// everything else, over "evidence-custody-certificate/v1\n" followed by the
/// RFC 8785 form of the document without `signature`.
public enum CustodyCertificate {
    public static let type = "evidence-custody-certificate/v1"
    static let signatureDomain = Array("evidence-custody-certificate/v1\n".utf8)

    /// The issuer's private key: a signed-note (Ed25519) key, never a
    /// witness's cosignature key, which only ever vouches for checkpoints.
    public static func readIssuerKey(_ path: String) throws -> NoteSignerKey {
        let key = try KeyFile.readSigner(path)
        guard key.type == .ed25519 else {
            throw EvidenceError.usage("\(Setting("issuer-key")): \(path) is a witness (cosignature) key, not an issuer key (make one with 'evchain keygen' without \(Setting("witness")))")
        }
        return key
    }

    /// Why `issuer` cannot state custody, or nil when it can. Custody is a
    /// neutral party's statement: the log's key (the bank's) or a witness's
    /// key, under whatever name, is refused. Keys are compared by their
    /// Ed25519 public key, never by name: a key renamed is the same key.
    public static func issuerDependence(_ issuer: NoteVerifierKey, logKey: NoteVerifierKey,
                                        witnessKeys: [NoteVerifierKey]) -> String? {
        let named = "the issuer key \(issuer.name)+\(Hex.encode(issuer.keyID))"
        if issuer.hasSamePublicKey(as: logKey) {
            return "\(named) is the log's key \(logKey.name)+\(Hex.encode(logKey.keyID)) (the same Ed25519 public key): custody must be stated by a party other than the log"
        }
        if let w = witnessKeys.first(where: { $0.hasSamePublicKey(as: issuer) }) {
            return "\(named) is the witness key \(w.name)+\(Hex.encode(w.keyID)) (the same Ed25519 public key): a witness vouches for checkpoints, custody must be stated under a key of its own"
        }
        return nil
    }

    /// The serial as `issue` makes it: "EVC-" and the first 12 bytes (hex)
    /// of the SHA-256 of the RFC 8785 form of the document without
    /// `serial`, `sections` and `signature`.
    static func serial(of doc: JSONObject) -> String {
        var body = doc
        for key in ["serial", "sections", "signature"] { body[key] = nil }
        return "EVC-" + Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical(.object(body))).prefix(12))
    }

    /// What was done to reach the result, said only of what was done: a
    /// digest recomputed from the original only for items checked
    /// `original`, the witnesses only when a cosignature was checked.
    public static func method(checked: Set<String>, cosignatures: Int) -> String {
        var parts: [String] = []
        if checked.contains(Verdict.Checked.original.rawValue) {
            parts.append("digest of each original recomputed with the logged algorithm"
                         + (checked.count > 1 ? " (items checked \"original\")" : ""))
        }
        if checked.contains(Verdict.Checked.record.rawValue) {
            parts.append("digest as given in the evidence record compared with the logged one, the original not read"
                         + (checked.count > 1 ? " (items checked \"record\")" : ""))
        }
        if parts.isEmpty { parts.append("no digest compared") }
        let witnesses = cosignatures == 0
            ? "signed by the log, with no witness cosignature checked"
            : "signed by the log and cosigned (tlog-cosignature/v1) by \(cosignatures) witness\(cosignatures == 1 ? "" : "es")"
        return parts.joined(separator: "; ") + "; RFC 9162 inclusion proof to a C2SP checkpoint " + witnesses
    }

    /// For each contract of `items` (in order of first appearance): the
    /// stages of its `ok` items, as their logged records say, and the
    /// stages reported missing.
    static func contractsSummary(_ items: [JSONValue]) -> JSONValue {
        // Keyed by bytes: a contract that only looks like another is another.
        var contracts: [ExactString: (stages: Set<String>, missing: [String])] = [:]
        var order: [ExactString] = []
        for item in items {
            let record = item["record"]
            guard let contract = (record?["contract"]?.stringValue ?? item["contract"]?.stringValue)?.exact else { continue }
            if contracts[contract] == nil { contracts[contract] = ([], []); order.append(contract) }
            if record == nil, let stage = item["stage"]?.stringValue { contracts[contract]!.missing.append(stage) }
            if item["status"]?.stringValue == "ok", let stage = record?["stage"]?.stringValue {
                contracts[contract]!.stages.insert(stage)
            }
        }
        let known = Stage.known.map(\.name)
        return .array(order.map { c in
            let stages = contracts[c]!.stages.sorted { (known.firstIndex(of: $0) ?? 99, $0) < (known.firstIndex(of: $1) ?? 99, $1) }
            return ["contract": .string(c.string), "stages": .array(stages.map { .string($0) }),
                    "missing_stages": .array(contracts[c]!.missing.map { .string($0) })]
        })
    }

    static func cosignersJSON(_ cosigners: [CheckpointTrust.Cosigner]) -> JSONValue {
        .array(cosigners.map {
            ["key": .string($0.key.encoded), "time": .string(RFC3339.format(epochSeconds: Int64($0.time)))]
        })
    }

    /// Builds and signs a certificate from a verification report.
    public static func issue(report: EvidenceVerifier.Report, trust: CheckpointTrust, issuer: NoteSignerKey,
                             logKey: NoteVerifierKey, time: String = RFC3339.now()) throws -> JSONValue {
        if let dependence = issuerDependence(issuer.verifierKey, logKey: logKey, witnessKeys: trust.cosigners.map(\.key)) {
            throw EvidenceError.usage("\(Setting("issuer-key")): \(dependence)")
        }
        guard !report.verdicts.isEmpty else {
            throw EvidenceError.input("no items to certify: a certificate of nothing proves nothing")
        }
        var doc = JSONObject()
        doc.appendNew("type", .string(type))
        doc.appendNew("title", .string("全流程存证保管单 / Evidence custody certificate"))
        doc.appendNew("issued", .string(time))
        doc.appendNew("issuer", ["name": .string(issuer.name), "key": .string(issuer.verifierKey.encoded)])
        doc.appendNew("log", ["origin": .string(trust.checkpoint.origin), "key": .string(logKey.encoded)])

        var checkpoint = JSONObject()
        checkpoint.appendNew("note", .string(String(decoding: trust.noteBytes, as: UTF8.self)))
        checkpoint.appendNew("tree_size", .number(Double(trust.checkpoint.size)))
        checkpoint.appendNew("root", .string(Hex.encode(trust.checkpoint.root)))
        checkpoint.appendNew("cosigners", cosignersJSON(trust.cosigners))
        if let token = trust.timestampToken {
            var t = JSONObject()
            t.appendNew("token", .string(Base64.encode(token)))
            if let when = trust.timestampTime { t.appendNew("time", .string(when)) }
            checkpoint.appendNew("timestamp", .object(t))
        }
        doc.appendNew("checkpoint", .object(checkpoint))
        if case .array(let past) = attestationsJSON(report.verdicts, main: trust), !past.isEmpty {
            doc.appendNew("attestations", .array(past))
        }

        var items: [JSONValue] = []
        for v in report.verdicts {
            var item = JSONObject()
            item.appendNew("id", .string(v.id))
            item.appendNew("status", .string(v.status.rawValue))
            if let checked = v.checked { item.appendNew("checked", .string(checked.rawValue)) }
            if let reason = v.reason { item.appendNew("reason", .string(reason)) }
            if let entry = v.entry {
                item.appendNew("seq", .number(Double(entry.seq)))
                item.appendNew("logged", .string(entry.time))
                if let a = v.attestation { item.appendNew("attested", attestedJSON(a)) }
                item.appendNew("record", entry.record)
                item.appendNew("leaf", .string(Hex.encode(entry.leaf)))
            } else if let record = v.record {
                item.appendNew("record", record.json)
            } else {
                if let contract = v.contract { item.appendNew("contract", .string(contract)) }
                if let stage = v.stage { item.appendNew("stage", .string(stage)) }
            }
            if let proof = v.proof { item.appendNew("proof", .array(proof.map { .string(Hex.encode($0)) })) }
            if let actual = v.actualDigest { item.appendNew("actual", .string(actual)) }
            if !v.conflicts.isEmpty { item.appendNew("conflicts", .array(v.conflicts.map(Verdict.conflictJSON))) }
            items.append(.object(item))
        }

        let failed = report.failures
        var verification = JSONObject()
        verification.appendNew("time", .string(time))
        verification.appendNew("result", .string(failed == 0 ? "ok" : "failed"))
        verification.appendNew("items", .number(Double(report.verdicts.count)))
        verification.appendNew("failed", .number(Double(failed)))
        verification.appendNew("quorum", .number(Double(trust.cosigners.count)))
        verification.appendNew("method", .string(method(checked: Set(report.verdicts.compactMap { $0.checked?.rawValue }),
                                                        cosignatures: trust.cosigners.count)))
        verification.appendNew("complete", .bool(report.complete))
        if !report.requiredStages.isEmpty {
            verification.appendNew("required_stages", .array(report.requiredStages.map { .string($0) }))
        }
        if let cutoff = report.loggedBefore { verification.appendNew("logged_before", .string(cutoff)) }
        doc.appendNew("verification", .object(verification))
        doc.appendNew("contracts", contractsSummary(items))
        if let completeness = completenessJSON(report) { doc.appendNew("completeness", completeness) }
        doc.appendNew("items", .array(items))
        doc.appendNew("legal_basis", .string("Prepared for review under the Online Litigation Rules of the People's Courts (2021) arts. 16-18 (blockchain-deposited evidence), following SF/T 0091-2021 and GB/T 39321-2020."))

        doc["serial"] = .string(serial(of: doc))
        doc.appendNew("sections", .object(sections(of: doc)))
        let message = signatureDomain + JCS.canonical(.object(doc))
        doc.appendNew("signature", [
            "alg": "ed25519",
            "key": .string(issuer.verifierKey.encoded),
            "value": .string(Base64.encode(try issuer.sign(message))),
        ])
        return .object(doc)
    }

    /// SHA-256 of each top-level field's canonical form, items one by one.
    static func sections(of doc: JSONObject) -> JSONObject {
        var out = JSONObject()
        for (key, value) in doc where key != "sections" && key != "signature" {
            if key == "items", case .array(let items) = value {
                out.appendNew(key, .array(items.map { .string(Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical($0)))) }))
            } else {
                out.appendNew(key, .string(Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical(value)))))
            }
        }
        return out
    }

    public struct CheckResult: Sendable {
        public var serial: String?
        /// The issuer's name and key id (hex), once its signature verified
        /// with the given issuer key.
        public var issuer: (name: String, keyID: String)?
        public var items = 0
        /// What was checked of the witnesses (CheckpointTrust.witnessSummary).
        public var witnessSummary: String?
        /// Each a `field: what is wrong` line; empty when the certificate holds.
        public var findings: [String] = []
        public var isValid: Bool { findings.isEmpty }

        public var json: JSONValue {
            var o = JSONObject()
            if let serial { o.appendNew("certificate", .string(serial)) }
            o.appendNew("status", .string(isValid ? "ok" : "failed"))
            o.appendNew("items", .number(Double(items)))
            if let issuer { o.appendNew("issuer", ["name": .string(issuer.name), "key_id": .string(issuer.keyID)]) }
            if let witnessSummary { o.appendNew("witnesses", .string(witnessSummary)) }
            o.appendNew("findings", .array(findings.map { .string($0) }))
            return .object(o)
        }
    }

    /// Re-verifies a certificate offline with keys the checker trusts (the
    /// embedded keys are only compared with them, never trusted).
    /// `acceptBankIndex`: a completeness claim may rest on the log's own
    /// signature of the contract index (no index witness among the cosigners).
    public static func check(_ bytes: [UInt8], issuerKey: NoteVerifierKey,
                             requirements: CheckpointTrust.Requirements, acceptBankIndex: Bool = false) throws -> CheckResult {
        let value = try JSON.parse(bytes)
        guard case .object(let doc) = value, doc["signature"] != nil, doc["items"] != nil else {
            throw EvidenceError.input("not a custody certificate (a JSON object with \"items\" and \"signature\")")
        }
        var result = CheckResult()
        result.serial = doc["serial"]?.stringValue
        func finding(_ s: String) { result.findings.append(s) }
        if doc["type"]?.stringValue != type { finding("type: not \(type)") }

        // 1. The issuer's signature over everything but itself.
        var unsigned = doc
        unsigned["signature"] = nil
        if case .object(let sig)? = doc["signature"], sig["alg"]?.stringValue == "ed25519", sig.count == 3,
           let keyText = sig["key"]?.stringValue,
           let valueText = sig["value"]?.stringValue, let signature = Base64.decode(valueText) {
            if keyText != issuerKey.encoded {
                finding("signature: made by \(keyText), not by the given issuer key \(issuerKey.encoded)")
            } else if !Ed25519.verify(signature, message: signatureDomain + JCS.canonical(.object(unsigned)), publicKey: issuerKey.publicKey) {
                finding("signature: does not verify — the certificate was altered after it was issued")
            } else {
                result.issuer = (issuerKey.name, Hex.encode(issuerKey.keyID))
            }
        } else {
            finding("signature: missing or malformed (expected alg ed25519, key and value)")
        }
        // 2. Which field changed: each against its signed digest.
        if case .object(let signed)? = doc["sections"] {
            let now = sections(of: doc)
            for (key, digest) in signed {
                if key == "items", case .array(let was)? = Optional(digest), case .array(let isNow)? = now[key] {
                    for i in 0..<max(was.count, isNow.count) where i >= was.count || i >= isNow.count || was[i] != isNow[i] {
                        finding("items[\(i)]: altered since the certificate was signed (or its digest in sections)")
                    }
                } else if now[key] != digest {
                    finding("\(key): altered since the certificate was signed (or its digest in sections)")
                }
            }
            for key in now.keys where signed[key] == nil { finding("\(key): added after the certificate was signed") }
        } else {
            finding("sections: missing")
        }
        if let dependence = issuerDependence(issuerKey, logKey: requirements.logKey, witnessKeys: requirements.witnessKeys) {
            finding("issuer: \(dependence)")
        }
        if let serial = result.serial, serial != Self.serial(of: doc) {
            finding("serial: \(serial) is not the digest of the certificate it names (\(Self.serial(of: doc)))")
        }

        // 3. The checkpoint, re-evaluated with the checker's keys.
        guard case .object(let cp)? = doc["checkpoint"], let note = cp["note"]?.stringValue else {
            finding("checkpoint: missing")
            return result
        }
        var token: [UInt8]? = nil
        if case .object(let t)? = cp["timestamp"], let text = t["token"]?.stringValue {
            token = Base64.decode(text)
            if token == nil { finding("checkpoint.timestamp: token is not base64") }
        }
        let trust: CheckpointTrust
        do {
            trust = try CheckpointTrust(noteBytes: Array(note.utf8), timestampToken: token, requirements: requirements)
        } catch let e as EvidenceError {
            finding("checkpoint.note: \(e.message)")
            return result
        }
        if let failure = trust.failure { finding("checkpoint: \(failure)") }
        result.witnessSummary = trust.witnessSummary
        // Compared as UInt64: a signed note may claim a size above Int.max.
        if cp["tree_size"]?.integerValue.flatMap({ UInt64(exactly: $0) }) != trust.checkpoint.size
            || cp["root"]?.stringValue != Hex.encode(trust.checkpoint.root) {
            finding("checkpoint: tree_size or root differs from the signed note")
        }

        // 4. Every item: its leaf from its entry, its proof to the root.
        guard case .array(let items)? = doc["items"] else {
            finding("items: missing")
            return result
        }
        result.items = items.count
        if items.isEmpty { finding("items: no items (evverify certifies no empty list)") }
        // As evverify refuses two items with one id, and one entry can be
        // only one item: ids compared as bytes, seqs as numbers.
        var ids: [[UInt8]: Int] = [:]
        var seqs: [Int: Int] = [:]
        for (i, itemValue) in items.enumerated() {
            let label = "items[\(i)] (\(itemValue["id"]?.stringValue ?? "?"))"
            guard case .object(let item) = itemValue else { finding("\(label): not an object"); continue }
            let id = item["id"]?.stringValue.map { Array($0.utf8) }
            if let id, let first = ids[id] {
                finding("\(label): duplicate id (also items[\(first)]): evverify certifies each id once")
            } else if let seq = item["seq"]?.integerValue, let first = seqs[seq] {
                finding("\(label): seq \(seq) is also items[\(first)]'s: one entry is one item")
            }
            if let id, ids[id] == nil { ids[id] = i }
            if let seq = item["seq"]?.integerValue, seqs[seq] == nil { seqs[seq] = i }
            guard item["status"]?.stringValue == "ok" else {
                finding("\(label): certified with status \(item["status"]?.stringValue ?? "?"): \(item["reason"]?.stringValue ?? "")")
                continue
            }
            guard let seq = item["seq"]?.integerValue, seq >= 0, let logged = item["logged"]?.stringValue,
                  case .object(let record)? = item["record"], let leafHex = item["leaf"]?.stringValue,
                  case .array(let proofValues)? = item["proof"] else {
                finding("\(label): seq, logged, record, leaf or proof missing")
                continue
            }
            if (try? EvidenceRecord(json: record)) == nil { finding("\(label): record is not a valid evidence record") }
            if record["id"]?.stringValue?.exact != item["id"]?.stringValue?.exact { finding("\(label): id differs from the record's") }
            let entry = ChainEntry(seq: UInt64(seq), time: logged, canonicalRecord: JCS.canonical(.object(record)))
            if Hex.encode(entry.leaf) != leafHex {
                finding("\(label): leaf does not match the entry (record, seq or logged time altered)")
                continue
            }
            guard let path = JSONValue.array(proofValues).merklePath else {
                finding("\(label): proof is not an array of 64-hex-digit hashes")
                continue
            }
            do {
                try Merkle.verifyInclusion(leafHash: entry.leaf, index: UInt64(seq), treeSize: trust.checkpoint.size,
                                           path: path, root: trust.checkpoint.root)
            } catch {
                finding("\(label): inclusion proof does not lead to the checkpoint root: \(error)")
            }
        }
        if doc["verification"]?["result"]?.stringValue != "ok" {
            finding("verification: the certificate records a failed verification")
        }
        checkDerivedFields(doc, items: items, trust: trust, note: Array(note.utf8), issuerKey: issuerKey,
                           requirements: requirements, finding: finding)
        checkAttestations(doc, items: items, trust: trust, requirements: requirements, finding: finding)
        checkCompleteness(doc, items: items, trust: trust, acceptBankIndex: acceptBankIndex, finding: finding)
        return result
    }
}

extension CustodyCertificate {
    /// Every field the issuer derived, recomputed from the note, the items
    /// and the checker's keys: a signature proves only who wrote a field,
    /// not that it is true.
    static func checkDerivedFields(_ doc: JSONObject, items: [JSONValue], trust: CheckpointTrust, note: [UInt8],
                                   issuerKey: NoteVerifierKey, requirements: CheckpointTrust.Requirements,
                                   finding: (String) -> Void) {
        if doc["issuer"]?["key"]?.stringValue != issuerKey.encoded || doc["issuer"]?["name"]?.stringValue != issuerKey.name {
            finding("issuer: name or key is not the given issuer key's \(issuerKey.encoded)")
        }
        if let stamped = trust.timestampTime, doc["checkpoint"]?["timestamp"]?["time"]?.stringValue != stamped {
            finding("checkpoint.timestamp.time: not the token's time \(stamped)")
        }
        if doc["log"]?["origin"]?.stringValue != trust.checkpoint.origin {
            finding("log.origin: not the checkpoint's origin \"\(trust.checkpoint.origin)\"")
        }
        if doc["log"]?["key"]?.stringValue != requirements.logKey.encoded {
            finding("log.key: not the given log key \(requirements.logKey.encoded)")
        }

        // Each listed cosigner must have cosigned the note, at the time given.
        let signed = (try? SignedNote(parsing: note))
        var valid = 0
        for (i, listed) in (doc["checkpoint"]?["cosigners"]?.arrayValue ?? []).enumerated() {
            guard let keyText = listed["key"]?.stringValue, let key = try? NoteVerifierKey(parsing: keyText),
                  let times = try? signed?.verify(key), let time = times.compactMap({ $0 }).first else {
                finding("checkpoint.cosigners[\(i)]: no valid cosignature by this key in the note")
                continue
            }
            if listed["time"]?.stringValue != RFC3339.format(epochSeconds: Int64(time)) {
                finding("checkpoint.cosigners[\(i)]: time is not the cosignature's \(RFC3339.format(epochSeconds: Int64(time)))")
                continue
            }
            valid += 1
        }
        if doc["checkpoint"]?["cosigners"]?.arrayValue == nil { finding("checkpoint.cosigners: missing") }

        let verification = doc["verification"]
        // A contract whose completeness failed counts as one failure, as evverify counts it.
        let failed = items.filter { $0["status"]?.stringValue != "ok" }.count
            + (doc["completeness"]?["contracts"]?.arrayValue ?? []).filter { $0["failure"] != nil }.count
        if verification?["items"]?.integerValue != items.count {
            finding("verification.items: not the \(items.count) items the certificate holds")
        }
        if verification?["failed"]?.integerValue != failed {
            finding("verification.failed: not the \(failed) items whose status is not ok (and contracts not shown complete)")
        }
        if verification?["quorum"]?.integerValue != valid {
            finding("verification.quorum: not the \(valid) valid cosignatures listed")
        }
        let checked = Set(items.compactMap { $0["checked"]?.stringValue })
        if !checked.isSubset(of: [Verdict.Checked.original.rawValue, Verdict.Checked.record.rawValue]) {
            finding("items: \"checked\" is neither original nor record")
        }
        if verification?["method"]?.stringValue != method(checked: checked, cosignatures: valid) {
            finding("verification.method: not what the items and cosignatures show: \(method(checked: checked, cosignatures: valid))")
        }
        for (i, item) in items.enumerated() where item["status"]?.stringValue == "ok" && item["checked"] == nil {
            finding("items[\(i)]: does not say what was checked (original or record)")
        }
        if doc["contracts"] != contractsSummary(items) {
            finding("contracts: not the contracts and stages of the items")
        }
    }
}
