import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// Issue 18 items 3, 4 and 7: a certificate and a verdict say exactly what
/// was checked, and by whom.
@Suite struct EvverifyStatedTests {
    /// What a dishonest issuer does: edit the certificate, recompute the
    /// serial (as `issue` defines it) and sections, and sign again.
    static func resigned(_ cert: Data, issuer: NoteSignerKey, recomputeSerial: Bool = true,
                         _ edit: (inout JSONObject) -> Void) throws -> Data {
        guard case .object(var doc) = try JSON.parse(Array(cert)) else { throw EvidenceError.input("not an object") }
        edit(&doc)
        doc["signature"] = nil
        doc["sections"] = nil
        if recomputeSerial {
            doc["serial"] = nil
            doc["serial"] = .string("EVC-" + Hex.encode(DigestAlgorithm.sha256.hash(JCS.canonical(.object(doc))).prefix(12)))
        }
        doc.appendNew("sections", .object(CustodyCertificate.sections(of: doc)))
        let value = try issuer.sign(CustodyCertificate.signatureDomain + JCS.canonical(.object(doc)))
        doc.appendNew("signature", ["alg": "ed25519", "key": .string(issuer.verifierKey.encoded), "value": .string(Base64.encode(value))])
        return Data(JCS.canonical(.object(doc)))
    }

    /// The Ed25519 seed of a private key (`PRIVATE+KEY+name+keyid+base64`;
    /// base64 may itself hold "+").
    static func seed(_ key: NoteSignerKey) -> [UInt8] {
        let material = key.encodedSecret.split(separator: "+", maxSplits: 4)[4]
        return Array(Base64.decode(String(material))!.dropFirst())
    }

    static func findings(_ r: ToolResult) -> [String] { (r.objects.first?["findings"] as? [String]) ?? [] }

    /// Item 3: an issuer-signed certificate with one item twice held.
    @Test func checkCertRefusesDuplicatedItems() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        #expect(try f.checkCert(try Self.resigned(cert.stdout, issuer: issuer) { _ in }).status == 0,
                "re-signing with the serial recomputed changes nothing")
        let doubled = try Self.resigned(cert.stdout, issuer: issuer) { doc in
            var items = doc["items"]!.arrayValue!
            items.append(items[0])
            doc["items"] = .array(items)
            doc = replacing(.object(doc), at: ["verification", "items"], with: .number(Double(items.count))).objectValue!
        }
        let r = try f.checkCert(doubled)
        #expect(r.status == 1, "\(r.out)")
        #expect(Self.findings(r).contains { $0.contains("items[10]") && $0.contains("duplicate id") }, "\(Self.findings(r))")
        #expect(Self.findings(r).count == 1, "only the duplicate is wrong: \(Self.findings(r))")

        // No items at all: evverify certifies nothing from nothing.
        let empty = try Self.resigned(cert.stdout, issuer: issuer) { doc in
            doc["items"] = .array([])
            doc["contracts"] = .array([])
            doc = replacing(.object(doc), at: ["verification", "items"], with: 0).objectValue!
        }
        let none = try f.checkCert(empty)
        #expect(none.status == 1, "\(none.out)")
        #expect(Self.findings(none).contains { $0.hasPrefix("items: no items") }, "\(Self.findings(none))")
    }

    /// Item 3: the serial is documented as a digest of the certificate;
    /// one that is not lets two certificates share a serial.
    @Test func checkCertRecomputesTheSerial() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        let other = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0002"))
        let otherSerial = try #require(try JSON.parse(Array(other.stdout))["serial"]?.stringValue)
        let borrowed = try Self.resigned(cert.stdout, issuer: issuer, recomputeSerial: false) { doc in
            doc["serial"] = .string(otherSerial)
        }
        let r = try f.checkCert(borrowed)
        #expect(r.status == 1, "\(r.out)")
        #expect(Self.findings(r).contains { $0.hasPrefix("serial: ") }, "\(Self.findings(r))")
    }

    /// Item 4: the log's own key (under its name or another) and a witness
    /// key are not a neutral custodian.
    @Test func theLogsOrAWitnessKeyIsNoIssuer() throws {
        let f = try VerifyFixture()
        let log = try KeyFile.readSigner(f.dir.file("log.key").path)
        // The log's key pair under another name: the same key.
        let seed = Self.seed(log)
        let renamed = try NoteSignerKey(name: "custody.example/neutral", type: .ed25519, seed: seed)
        try KeyFile.create(renamed, at: f.dir.file("renamed.key").path)
        try f.dir.write("renamed.vkey", renamed.verifierKey.encoded + "\n")
        for key in ["log.key", "renamed.key"] {
            let r = try f.evverify(["certify"] + f.base + ["--root", f.contracts.path, "--issuer-key", f.dir.file(key).path],
                                   stdin: try f.originals("C2025-0001"))
            #expect(r.status == 2 && r.stdout.isEmpty, "\(key): \(r.out)")
            #expect(r.stderr.contains("the log's key"), "\(key): \(r.stderr)")
        }
        // A witness's Ed25519 key pair made into an issuer key under another name.
        let notary = try KeyFile.readSigner(f.dir.file("notary.key").path)
        let notarySeed = Self.seed(notary)
        let witnessAsIssuer = try NoteSignerKey(name: "custody.example/notary", type: .ed25519, seed: notarySeed)
        try KeyFile.create(witnessAsIssuer, at: f.dir.file("witness-issuer.key").path)
        let w = try f.evverify(["certify"] + f.base + ["--root", f.contracts.path, "--issuer-key", f.dir.file("witness-issuer.key").path],
                               stdin: try f.originals("C2025-0001"))
        #expect(w.status == 2 && w.stdout.isEmpty, "\(w.out)")
        #expect(w.stderr.contains("witness key"), "\(w.stderr)")

        // A certificate the log's key signed (as a bank would, with its own
        // tool) does not hold, whatever name the key is given under.
        let honest = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(honest.status == 0)
        let byTheLog = try Self.resigned(honest.stdout, issuer: renamed) { doc in
            doc["issuer"] = ["name": .string(renamed.name), "key": .string(renamed.verifierKey.encoded)]
        }
        try f.dir.write("checked.cert.json", byTheLog)
        let r = try f.evverify(["check-cert", f.dir.file("checked.cert.json").path, "--issuer-key", f.dir.file("renamed.vkey").path,
                                "--log-key", f.logVKey, "--witness-key", f.notaryVKey])
        #expect(r.status == 1, "\(r.out)")
        #expect(Self.findings(r).contains { $0.hasPrefix("issuer: ") && $0.contains("the log's key") }, "\(Self.findings(r))")
    }

    /// Item 4: `--text` says who issued the certificate.
    @Test func checkCertTextNamesTheIssuer() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let r = try f.checkCert(cert.stdout, ["--witness-key", f.notaryVKey, "--text"])
        #expect(r.status == 0, "\(r.out)")
        let keyID = try #require(f.issuerVKey.split(separator: "+").dropFirst().first)
        #expect(r.lines.contains { $0.hasSuffix(": issued by notary.example/custody (key id \(keyID))") }, "\(r.out)")
        let json = try f.checkCert(cert.stdout)
        let issuer = json.objects.first?["issuer"] as? [String: Any]
        #expect(issuer?["name"] as? String == "notary.example/custody" && issuer?["key_id"] as? String == String(keyID), "\(json.out)")
    }

    /// Item 7: nothing to verify is not a pass, with or without options.
    @Test func noItemsExitsTwo() throws {
        let f = try VerifyFixture()
        for input in ["", "\n\n"] {
            for extra in [[], ["--text"], ["--status"]] {
                let r = try f.verify(extra, stdin: Data(input.utf8))
                #expect(r.status == 2, "\(extra): \(r.out)")
                #expect(r.stderr.contains("evverify: ") && r.stderr.contains("no items"), "\(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
        }
        let records = try f.evverify(f.base + ["--records-only"], stdin: Data())
        #expect(records.status == 2, "\(records.out)")
    }
}
