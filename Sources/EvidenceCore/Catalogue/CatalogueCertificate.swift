import EvidenceLog
import EvidenceSupport

/// A custody certificate as the catalogue uses it (`--certificate`): checked
/// first, with the keys the operator trusts and the checks of `evverify
/// check-cert` (`CustodyCertificate.check`), then named only on the rows
/// whose entry it certifies — the same seq, log time and record, byte for
/// byte — never on the others.
public struct CatalogueCertificate: Sendable {
    public var serial: String
    private var entries: Set<Entry>
    /// `verification.receipts` that held: (receipt file, contract).
    private var heldReceipts: [(file: String, contract: String)] = []

    /// One certified entry: seq, log time and the RFC 8785 form of its record.
    private struct Entry: Hashable {
        var seq: Int
        var logged: [UInt8]
        var record: [UInt8]
    }

    /// Checks `bytes` as `evverify check-cert` does; one that does not hold,
    /// or is no certificate at all (a file holding only a serial), is refused.
    public init(checking bytes: [UInt8], issuerKey: NoteVerifierKey, requirements: CheckpointTrust.Requirements) throws {
        let result = try CustodyCertificate.check(bytes, issuerKey: issuerKey, requirements: requirements)
        guard result.isValid, let serial = result.serial else {
            throw EvidenceError.input("the custody certificate does not hold under the given keys (evverify check-cert): "
                                      + result.findings.prefix(3).joined(separator: "; "))
        }
        self.serial = serial
        entries = []
        for item in try JSON.parse(bytes)["items"]?.arrayValue ?? [] {
            // `check` has required seq, logged and record of every (ok) item.
            guard let seq = item["seq"]?.integerValue, let logged = item["logged"]?.stringValue,
                  let record = item["record"] else { continue }
            entries.insert(Entry(seq: seq, logged: Array(logged.utf8), record: JCS.canonical(record)))
        }
        for r in try JSON.parse(bytes)["verification"]?["receipts"]?.arrayValue ?? [] where r["result"]?.stringValue == "ok" {
            if let file = r["file"]?.stringValue, let contract = r["contract"]?.stringValue { heldReceipts.append((file, contract)) }
        }
    }

    /// The receipt files the certificate held `contract` against, by bytes.
    public func receipts(of contract: String) -> [String] {
        heldReceipts.filter { $0.contract.sameBytes(as: contract) }.map(\.file)
    }

    /// Whether the certificate certifies the entry `item` names.
    public func covers(_ item: CatalogueItem) -> Bool {
        guard let seq = item.seq, let logged = item.logged else { return false }
        return entries.contains(Entry(seq: seq, logged: Array(logged.utf8), record: JCS.canonical(item.record.json)))
    }
}
