import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceCore

/// The `computation` of a privacy-computing record, and the usage report over such records.
@Suite struct PrivacyComputationTests {
    static let session = String(repeating: "ab", count: 16)
    static let request = PrivacyComputation.Message(kind: "psi-request", from: "b", count: 3, sha256: String(repeating: "1", count: 64))
    static let response = PrivacyComputation.Message(kind: "psi-response", from: "a", count: 6, sha256: String(repeating: "2", count: 64))

    func computation(step: String, party: String, sent: [PrivacyComputation.Message], received: [PrivacyComputation.Message],
                     purpose: String = "case 1", peer: String = "peer.example+0102abcd") -> PrivacyComputation {
        PrivacyComputation(protocolName: "dh-psi", mode: "intersection", step: step, party: party, session: Self.session,
                           purpose: purpose, group: "p256", signer: "me.example+00aa00aa", peer: peer, sent: sent, received: received)
    }

    @Test func aRecordRoundTripsAndItsDigestCoversTheComputation() throws {
        let c = computation(step: "request", party: "b", sent: [Self.request], received: [])
        let record = c.record(time: "2026-12-01T10:00:00Z")
        #expect(record.id == "\(Self.session)/privacy-computing/dh-psi-request")
        #expect(record.contract == Self.session && record.stage == "privacy-computing" && record.kind == .data)
        #expect(record.digest == Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical(c.json))))
        #expect(try EvidenceRecord(json: record.json) == record)
        var w = JSONWriter()
        record.write(to: &w)
        #expect(try EvidenceRecord(json: try JSON.parse(w.bytes)) == record)
    }

    @Test func anEditedComputationNoLongerMatchesItsDigest() throws {
        let record = computation(step: "request", party: "b", sent: [Self.request], received: []).record(time: "2026-12-01T10:00:00Z")
        guard case .object(var o) = record.json, case .object(var c)? = o["computation"] else { Issue.record("not an object"); return }
        c["purpose"] = .string("case 2")
        o["computation"] = .object(c)
        #expect(throws: EvidenceError.input("\"digest\" is not the SHA-256 of the canonical \"computation\": the record was altered")) {
            try EvidenceRecord(json: o)
        }
    }

    @Test func theUsageCountsEachMessageOnceWhicheverViewNamesIt() throws {
        var usage = PrivacyUsage()
        // B's request and finish, and A's respond: the same two messages named four times.
        for c in [computation(step: "request", party: "b", sent: [Self.request], received: []),
                  computation(step: "respond", party: "a", sent: [Self.response], received: [Self.request]),
                  computation(step: "finish", party: "b", sent: [], received: [Self.response])] {
            // The month is the log's entry time, passed as the chain gives it.
            try usage.add(c.record(time: "2026-12-01T10:00:00Z"), logged: "2026-12-01T10:00:05Z")
        }
        let purpose = usage.rows.first { $0.by == "purpose" }
        #expect(purpose == PrivacyUsage.Row(by: "purpose", value: "case 1", sessions: 1, records: 3, requested: 3, answered: 6))
        #expect(usage.rows.map(\.by) == ["purpose", "peer", "month"])
        #expect(usage.rows.last?.value == "2026-12")
    }

    /// Purposes are bytes: one written with "é" as U+00E9 and one with
    /// "e" U+0301 are two purposes, two rows, never merged.
    @Test func purposesThatDifferOnlyInNormalisationAreTwoRows() throws {
        var usage = PrivacyUsage()
        for (i, purpose) in ["caf\u{E9} case", "cafe\u{301} case"].enumerated() {
            let m = PrivacyComputation.Message(kind: "psi-request", from: "b", count: 3, sha256: String(repeating: "\(i + 3)", count: 64))
            let c = computation(step: "request", party: "b", sent: [m], received: [], purpose: purpose)
            try usage.add(c.record(time: "2026-12-01T10:00:00Z"), logged: "2026-12-01T10:00:05Z")
        }
        let purposes = usage.rows.filter { $0.by == "purpose" }
        #expect(purposes.count == 2, "\(purposes)")
        #expect(Set(purposes.map { Array($0.value.utf8) }).count == 2)
    }

    @Test func theTableAlignsWideCharacters() {
        let rows = [PrivacyUsage.Row(by: "purpose", value: "沪仲案", sessions: 1, records: 2, requested: 3, answered: 40)]
        #expect(PrivacyUsage.table(rows) == """
            BY       VALUE   SESSIONS  RECORDS  REQUESTED  ANSWERED
            purpose  沪仲案         1        2          3        40

            """)
    }
}
