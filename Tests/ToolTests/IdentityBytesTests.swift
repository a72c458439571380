import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// Identities are bytes (issue 18 item 1): an id, contract or name that
/// differs from another only in Unicode normalisation is another identity,
/// never merged with it (Swift's `String ==` would merge them).
@Suite struct IdentityBytesTests {
    static let nfc = "C9/esign/caf\u{E9}.pdf"
    static let nfd = "C9/esign/cafe\u{301}.pdf"

    static func same(_ a: Any?, _ b: String) -> Bool {
        (a as? String).map { Array($0.utf8) == Array(b.utf8) } ?? false
    }

    /// The bank logs the presented id and an NFD twin of it with another
    /// digest: under `--complete` the twin must be reported, not hidden
    /// behind the id it imitates.
    @Test func anNFDTwinOfAPresentedIDIsNotPresented() throws {
        let f = try VerifyFixture()
        try f.dir.write("contracts/" + Self.nfc, "%PDF-1.7 the contract\n")
        let manifest = Data(#"{"contract":"C9","stage":"esign","path":"\#(Self.nfc)"}"#.utf8)
        let real = try f.run("evhash", ["--root", f.contracts.path], stdin: manifest)
        try f.run("evchain", ["append", f.chain], stdin: real.stdout)
        let twinLine = #"{"contract":"C9","stage":"esign","id":"\#(Self.nfd)","name":"\#(Self.nfd.split(separator: "/").last!)","data":{"forged":true}}"#
        let twin = try f.run("evhash", [], stdin: Data(twinLine.utf8))
        try f.run("evchain", ["append", f.chain], stdin: twin.stdout)
        try f.seal(from: 31)

        let r = try f.verify(f.indexWitness + ["--complete"], stdin: manifest)
        #expect(r.status == 1, "\(r.out)")
        let presented = r.objects.filter { Self.same($0["id"], Self.nfc) }
        let hidden = r.objects.filter { Self.same($0["id"], Self.nfd) }
        #expect(presented.count == 1 && presented.first?["status"] as? String == "ok", "\(r.out)")
        #expect(hidden.count == 1 && hidden.first?["status"] as? String == "missing", "\(r.out)")
        #expect((hidden.first?["reason"] as? String)?.contains("not presented") == true)
        #expect((hidden.first?["reason"] as? String)?.contains("only in Unicode normalisation") == true, "\(r.out)")
        #expect(hidden.first?["seq"] as? Int == 32)
    }
}

extension IdentityBytesTests {
    /// Within one run evhash says so: two ids that differ only in
    /// normalisation are refused as look-alikes, naming both lines.
    @Test func evhashRefusesIDsThatDifferOnlyInNormalisation() throws {
        let lines = [Self.nfc, Self.nfd].enumerated().map { i, id in
            #"{"contract":"C9","stage":"esign","id":"\#(id)","name":"n\#(i)","data":{"n":\#(i)}}"#
        }
        let r = try Tools.run("evhash", [], stdin: lines.joined(separator: "\n") + "\n")
        #expect(r.status == 2)
        #expect(r.stderr.contains("stdin:2:") && r.stderr.contains("stdin:1") && r.stderr.contains("only in Unicode normalisation"),
                "\(r.stderr)")
    }
}

extension IdentityBytesTests {
    /// A verdict for the NFC id and log entries of it and of its NFD twin:
    /// evcatalog must keep the twin as a row of its own, not fold it into
    /// the verified row.
    @Test func evcatalogKeepsAnNFDTwinAsItsOwnRow() throws {
        let lines = [Self.nfc, Self.nfd].enumerated().map { i, id in
            #"{"contract":"C9","stage":"esign","id":"\#(id)","name":"n\#(i)","data":{"n":\#(i)}}"#
        }
        // Hashed in two runs, as evhash refuses the two in one.
        let records = try lines.map { line -> String in
            let r = try Tools.run("evhash", [], stdin: line + "\n")
            try #require(r.status == 0, "\(r.stderr)")
            return r.lines[0]
        }
        let input = try EvcatalogTests.chainEntries(records) + EvcatalogTests.verdicts([records[0]])
        let r = try Tools.run("evcatalog", ["--format", "jsonl", "--accept-unverified"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.count == 2, "\(r.out)")
        let twin = r.objects.filter { Self.same($0["id"], Self.nfd) }
        #expect(twin.count == 1 && twin.first?["status"] as? String == "not-verified", "\(r.out)")
        #expect(r.objects.filter { Self.same($0["id"], Self.nfc) }.first?["status"] as? String == "ok")
        // And says so.
        #expect(r.stderr.contains("differ only in Unicode normalisation"), "\(r.stderr)")
    }
}

extension IdentityBytesTests {
    /// evpsi compares purposes as bytes, as evpsi(1) says: a decomposed
    /// "café" does not pass a policy listing the composed one.
    @Test func aDecomposedPurposeDoesNotPassAPolicyListingTheComposedOne() throws {
        let composed = "arbitration caf\u{E9} 0123", decomposed = "arbitration cafe\u{301} 0123"
        let s = try SignedParties(purposes: [composed])
        try s.p.b.write("b.jsonl", "{\"id\":\"cust-1\"}\n")
        try s.p.a.write("a.jsonl", "{\"id\":\"cust-1\"}\n")
        func respond(_ purpose: String) throws -> ToolResult {
            for (dir, name) in [(s.p.b, "b.state"), (s.p.b, "req.msg"), (s.p.a, "req.msg")] {
                try? FileManager.default.removeItem(at: dir.file(name))
            }
            let r = try s.bank(["psi", "request", "--group", "p256", "--purpose", purpose, "--state", "b.state", "-o", "req.msg", "b.jsonl"])
            try #require(r.status == 0, "\(r.stderr)")
            try s.p.send("req.msg", from: s.p.b, to: s.p.a)
            return try s.commission(["psi", "respond", "--group", "p256", "--policy", "policy.json", "--request", "req.msg",
                                     "-o", "resp.msg", "a.jsonl"])
        }
        let refused = try respond(decomposed)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("rule \"purposes\""), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.p.a.file("resp.msg").path))
        let allowed = try respond(composed)
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }
}

extension IdentityBytesTests {
    /// `evchain prove` asked for an id and for its NFD twin proves each
    /// one's own entry (their queries were merged into one).
    @Test func evchainProveFindsEachTwinsOwnEntry() throws {
        let d = try TemporaryDirectory()
        let chain = d.file("c.chain").path
        #expect(try Tools.run("evchain", ["init", chain, "--origin", "twins.example/log"]).status == 0)
        let key = try Tools.run("evchain", ["keygen", "--name", "twins.example/log", "--out", d.file("log.key").path])
        try #require(key.status == 0, "\(key.stderr)")
        for (i, id) in [Self.nfc, Self.nfd].enumerated() {
            let line = #"{"contract":"C9","stage":"esign","id":"\#(id)","name":"n\#(i)","data":{"n":\#(i)}}"#
            let record = try Tools.run("evhash", [], stdin: line + "\n")
            try #require(record.status == 0, "\(record.stderr)")
            #expect(try Tools.run("evchain", ["append", chain], stdin: record.stdout).status == 0)
        }
        let cp = try Tools.run("evchain", ["checkpoint", chain, "--key", d.file("log.key").path, "--out", d.file("cp").path])
        try #require(cp.status == 0, "\(cp.stderr)")
        for query in [[Self.nfd, Self.nfc], [Self.nfc, Self.nfd]] {
            let input = query.map { "\"\($0)\"" }.joined(separator: "\n") + "\n"
            let r = try Tools.run("evchain", ["prove", chain, "--checkpoint", d.file("cp").path], stdin: input)
            #expect(r.status == 0, "\(r.stderr)")
            let ids = r.objects.map { ($0["record"] as? [String: Any])?["id"] }
            #expect(ids.count == 2 && Self.same(ids[0], query[0]) && Self.same(ids[1], query[1]), "\(r.out)")
        }
    }
}

extension IdentityBytesTests {
    /// check-cert compares what it recomputes as bytes: an item whose id is
    /// a normalisation twin of its record's id is a finding, not a match.
    @Test func checkCertFindsAnItemIDThatOnlyLooksLikeItsRecords() throws {
        let f = try VerifyFixture()
        try f.dir.write("contracts/" + Self.nfc, "%PDF-1.7 the contract\n")
        let manifest = Data(#"{"contract":"C9","stage":"esign","path":"\#(Self.nfc)"}"#.utf8)
        let real = try f.run("evhash", ["--root", f.contracts.path], stdin: manifest)
        try f.run("evchain", ["append", f.chain], stdin: real.stdout)
        try f.seal(from: 31)
        let cert = try f.certify(["--root", f.contracts.path], stdin: manifest)
        try #require(cert.status == 0, "\(cert.stderr)")
        guard case .object(var doc) = try JSON.parse(Array(cert.stdout)) else { throw EvidenceError.input("not an object") }
        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        doc = replacing(.object(doc), at: ["items", "0", "id"], with: .string(Self.nfd)).objectValue!
        doc["signature"] = nil
        doc["sections"] = nil
        doc.appendNew("sections", .object(CustodyCertificate.sections(of: doc)))
        let value = try issuer.sign(CustodyCertificate.signatureDomain + JCS.canonical(.object(doc)))
        doc.appendNew("signature", ["alg": "ed25519", "key": .string(issuer.verifierKey.encoded), "value": .string(Base64.encode(value))])
        let r = try f.checkCert(Data(JCS.canonical(.object(doc))))
        #expect(r.status == 1, "\(r.out)")
        let findings = (r.objects.first?["findings"] as? [String]) ?? []
        #expect(findings.contains { $0.contains("id differs from the record's") }, "\(findings)")
    }
}
