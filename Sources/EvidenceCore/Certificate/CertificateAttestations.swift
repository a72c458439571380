import EvidenceLog
import EvidenceSupport

/// The attested times of a custody certificate's items, and what re-checks
/// them offline: each item's `attested` {time, by, tree_size} names a
/// checkpoint that someone other than the bank dated — the certificate's
/// own checkpoint, or one of `attestations` (an earlier checkpoint's note,
/// its token, and the RFC 9162 consistency proof from its size to the
/// certificate's checkpoint). An item's `logged` is the bank's clock.
extension CustodyCertificate {
    /// `attestations`: the past checkpoints the items' attested times come
    /// from (not the certificate's own checkpoint), one per tree size.
    static func attestationsJSON(_ verdicts: [Verdict], main: CheckpointTrust) -> JSONValue {
        var bySize: [UInt64: Attestation] = [:]
        for v in verdicts {
            guard let a = v.attestation, a.note != main.noteBytes else { continue }
            bySize[a.treeSize] = bySize[a.treeSize] ?? a
        }
        return .array(bySize.keys.sorted().map { size in
            let a = bySize[size]!
            var o = JSONObject()
            o.appendNew("tree_size", .number(Double(size)))
            o.appendNew("note", .string(String(decoding: a.note, as: UTF8.self)))
            if let token = a.token { o.appendNew("timestamp", ["token": .string(Base64.encode(token))]) }
            o.appendNew("consistency", .array(a.consistency.map { .string(Hex.encode($0)) }))
            o.appendNew("time", .string(a.timeText))
            o.appendNew("by", .string(a.basis.rawValue))
            return .object(o)
        })
    }

    /// An item's `attested`: {time, by, tree_size}.
    static func attestedJSON(_ a: Attestation) -> JSONValue {
        ["time": .string(a.timeText), "by": .string(a.basis.rawValue), "tree_size": .number(Double(a.treeSize))]
    }

    /// Re-verifies every attestation with the checker's keys and every
    /// item's attested time against it; with `verification.logged_before`,
    /// each ok item's attested time must be before it.
    static func checkAttestations(_ doc: JSONObject, items: [JSONValue], trust: CheckpointTrust,
                                  requirements: CheckpointTrust.Requirements, finding: (String) -> Void) {
        // A checker who trusts no witness and no TSA has nothing that could
        // attest a time: the attested times stay the issuer's word (as
        // `issued` is), rather than every certificate failing its check.
        guard requirements.quorum > 0 || requirements.tsaCAFile != nil else { return }
        // Tree size → (time, basis) of each attestation that holds.
        var attested: [UInt64: (time: RFC3339.Timestamp, basis: Attestation.Basis)] = [:]
        if let main = Attestation.attested(by: trust) { attested[trust.checkpoint.size] = main }
        var listedSizes = Set<UInt64>()
        for (i, value) in (doc["attestations"]?.arrayValue ?? []).enumerated() {
            let label = "attestations[\(i)]"
            guard let note = value["note"]?.stringValue, let size = value["tree_size"]?.integerValue.flatMap({ UInt64(exactly: $0) }),
                  let path = value["consistency"]?.merklePath else {
                finding("\(label): tree_size, note or consistency missing")
                continue
            }
            guard listedSizes.insert(size).inserted else { finding("\(label): tree size \(size) listed twice"); continue }
            var token: [UInt8]? = nil
            if let text = value["timestamp"]?["token"]?.stringValue {
                token = Base64.decode(text)
                if token == nil { finding("\(label).timestamp: token is not base64"); continue }
            }
            let past: CheckpointTrust
            do {
                past = try CheckpointTrust(noteBytes: Array(note.utf8), timestampToken: token, requirements: requirements)
            } catch let e as EvidenceError {
                finding("\(label).note: \(e.message)")
                continue
            } catch { finding("\(label).note: \(error)"); continue }
            if let failure = past.failure { finding("\(label): \(failure)"); continue }
            guard past.checkpoint.size == size, size <= trust.checkpoint.size, past.checkpoint.origin == trust.checkpoint.origin else {
                finding("\(label): tree_size or origin differs from the signed note, or is above the certificate's checkpoint")
                continue
            }
            do {
                try Merkle.verifyConsistency(oldSize: size, newSize: trust.checkpoint.size, oldRoot: past.checkpoint.root,
                                             newRoot: trust.checkpoint.root, path: path)
            } catch {
                finding("\(label): not consistent with the certificate's checkpoint: \(error)")
                continue
            }
            guard let a = Attestation.attested(by: past) else {
                finding("\(label): neither a timestamp nor a witness quorum attests it")
                continue
            }
            if value["time"]?.stringValue != RFC3339.format(a.time) || value["by"]?.stringValue != a.basis.rawValue {
                finding("\(label): time or by is not what its \(a.basis.rawValue) attests (\(RFC3339.format(a.time)))")
                continue
            }
            attested[size] = a
        }
        let cutoff = doc["verification"]?["logged_before"]?.stringValue.flatMap(RFC3339.parse)
        for (i, item) in items.enumerated() where item["status"]?.stringValue == "ok" {
            let label = "items[\(i)] (\(item["id"]?.stringValue ?? "?"))"
            guard let claim = item["attested"] else {
                if cutoff != nil { finding("\(label): no attested time, so nothing shows it was logged before verification.logged_before") }
                continue
            }
            guard let size = claim["tree_size"]?.integerValue.flatMap({ UInt64(exactly: $0) }),
                  let seq = item["seq"]?.integerValue, seq >= 0, UInt64(seq) < size else {
                finding("\(label).attested: tree_size missing or not above the item's seq")
                continue
            }
            guard let a = attested[size] else {
                finding("\(label).attested: no attestation of tree size \(size) holds")
                continue
            }
            if claim["time"]?.stringValue != RFC3339.format(a.time) || claim["by"]?.stringValue != a.basis.rawValue {
                finding("\(label).attested: not the time its checkpoint's \(a.basis.rawValue) attests (\(RFC3339.format(a.time)))")
                continue
            }
            if let cutoff, !(a.time < cutoff) {
                finding("\(label).attested: \(RFC3339.format(a.time)) is not before verification.logged_before")
            }
        }
    }
}
