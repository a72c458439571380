import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceLog
@testable import EvidenceCore

/// "Logged before T" rests on a checkpoint someone independent dated (a
/// timestamp authority's genTime, a witness quorum's cosignature times),
/// proven consistent with the checkpoint verified; never on an entry's own
/// `time`, which is whatever the bank's machine said (issue 23 item 3).
@Suite struct AttestedTimeTests {
    static let oneRecord = #"{"id":"C2025-0077/esign/contract.pdf","contract":"C2025-0077","stage":"esign","alg":"sha256","digest":"\#(String(repeating: "7", count: 64))"}"#

    static func rfc3339(_ seconds: Int64) -> String {
        RFC3339.format(epochSeconds: seconds)
    }

    /// A later entry, then a new checkpoint cosigned (with a proof from `from`) and kept.
    static func appendAndSeal(_ f: VerifyFixture, from: Int, id: String = "C2025-0078/esign/later.pdf") throws {
        let more = #"{"id":"\#(id)","contract":"C2025-0078","stage":"esign","alg":"sha256","digest":"\#(String(repeating: "8", count: 64))"}"#
        try f.run("evchain", ["append", f.chain], stdin: Data(more.utf8))
        try f.seal(from: from)
    }

    @Test func aClockSetBackAYearIsNotLoggedBeforeLastYear() throws {
        let dir = try TemporaryDirectory()
        let tsa = try LocalTSA(in: dir.file("tsa"))
        @discardableResult func run(_ args: [String], stdin: Data = Data(), env: [String: String]? = nil) throws -> ToolResult {
            let r = try Tools.run("evchain", args, stdin: stdin, directory: dir.url, environment: env)
            try #require(r.status == 0, "evchain \(args): \(r.stderr)")
            return r
        }
        let chain = dir.file("bank.chain").path
        try run(["init", chain, "--origin", "bank.example/evidence/2026"])
        let logVKey = try run(["keygen", "--name", "bank.example/evidence/2026", "--out", dir.file("log.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let notaryVKey = try run(["keygen", "--witness", "--name", "notary.example/witness", "--out", dir.file("notary.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let now = Int64(Date().timeIntervalSince1970)
        let lastYear = now - 366 * 86_400
        // The bank's machine says last year; the TSA and the notary say today.
        let receipt = try run(["append", chain], stdin: Data(Self.oneRecord.utf8), env: ["EVCHAIN_TIME": Self.rfc3339(lastYear)])
        let signed = dir.file("cp.signed").path
        try run(["checkpoint", chain, "--key", dir.file("log.key").path, "--out", signed, "--tsa-url", tsa.url])
        try FileManager.default.createDirectory(at: dir.file("state"), withIntermediateDirectories: true)
        let cosigned = try run(["cosign", "--witness-key", dir.file("notary.key").path, "--log-key", logVKey,
                                "--state", dir.file("state").path, "--init"], stdin: try Data(contentsOf: URL(fileURLWithPath: signed)))
        let cp = try dir.write("cp.cosigned", cosigned.stdout).path
        try FileManager.default.copyItem(atPath: signed + ".tsr", toPath: cp + ".tsr")
        try run(["keep", chain, cp])

        let base = ["--chain", chain, "--checkpoint", cp, "--log-key", logVKey, "--witness-key", notaryVKey,
                    "--tsa-ca", tsa.caFile, "--records-only"]
        let plain = try Tools.run("evverify", base, stdin: Data(Self.oneRecord.utf8))
        #expect(plain.status == 0, "\(plain.out) \(plain.stderr)")
        let verdict = try #require(plain.objects.first)
        // The bank's claim, as logged, and what someone independent attests, side by side.
        try #require((verdict["logged"] as? String) == Self.rfc3339(lastYear), "\(receipt.out) \(plain.out)")
        let attested = try #require(verdict["attested"] as? String, "\(plain.out)")
        #expect(attested >= Self.rfc3339(now - 60))
        #expect(["timestamp", "cosignatures"].contains(verdict["attested_by"] as? String))
        #expect(verdict["attested_tree_size"] as? Int == 1)

        let cutoff = Self.rfc3339(lastYear + 86_400)
        let dated = try Tools.run("evverify", base + ["--logged-before", cutoff], stdin: Data(Self.oneRecord.utf8))
        #expect(dated.status == 1, "a date the bank's clock alone gave passed --logged-before: \(dated.out)")
        #expect(dated.objects.first?["status"] as? String != "ok")
        let tomorrow = try Tools.run("evverify", base + ["--logged-before", Self.rfc3339(now + 86_400)], stdin: Data(Self.oneRecord.utf8))
        #expect(tomorrow.status == 0, "\(tomorrow.out) \(tomorrow.stderr)")
    }

    @Test func theAttestedTimeIsTheEarliestCheckpointHoldingTheEntry() throws {
        let f = try VerifyFixture()
        let first = try f.verify([], stdin: try f.originals("C2025-0001"))
        try #require(first.status == 0, "\(first.out)")
        let firstAttested = try #require(first.objects.first?["attested"] as? String)
        #expect(first.objects.first?["attested_tree_size"] as? Int == 31)
        #expect(first.objects.first?["attested_by"] as? String == "cosignatures")
        try Self.appendAndSeal(f, from: 31)

        let later = try f.verify([], stdin: try f.originals("C2025-0001"))
        try #require(later.status == 0, "\(later.out) \(later.stderr)")
        for v in later.objects {
            #expect(v["tree_size"] as? Int == 32)
            #expect(v["attested_tree_size"] as? Int == 31, "\(v)")
            #expect(v["attested"] as? String == firstAttested)
        }
        // The entry appended after it is attested by the later checkpoint only.
        let newer = try Tools.run("evverify", ["--chain", f.chain, "--checkpoint", f.cosigned, "--log-key", f.logVKey,
                                               "--witness-key", f.notaryVKey, "--records-only"],
                                  stdin: Data(#"{"id":"C2025-0078/esign/later.pdf","contract":"C2025-0078","stage":"esign","alg":"sha256","digest":"\#(String(repeating: "8", count: 64))"}"#.utf8))
        #expect(newer.objects.first?["attested_tree_size"] as? Int == 32, "\(newer.out)")
    }

    @Test func anEditedKeptCheckpointGivesNoEarlierTime() throws {
        let f = try VerifyFixture()
        try Self.appendAndSeal(f, from: 31)
        let kept = f.chain + ".checkpoints/31"
        let genuine = try String(contentsOfFile: kept, encoding: .utf8)
        // Another root at size 31, still "signed": the signature no longer verifies.
        var lines = genuine.components(separatedBy: "\n")
        lines[2] = String(repeating: "A", count: 43) + "="
        try lines.joined(separator: "\n").write(toFile: kept, atomically: true, encoding: .utf8)
        let r = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 0, "\(r.out)")
        for v in r.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
        // Cosignature lines dropped: no quorum, no attestation from it.
        try genuine.components(separatedBy: "\n").filter { !$0.contains("notary.example/witness") }.joined(separator: "\n")
            .write(toFile: kept, atomically: true, encoding: .utf8)
        let dropped = try f.verify([], stdin: try f.originals("C2025-0001"))
        for v in dropped.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
        // Put back, it attests again.
        try genuine.write(toFile: kept, atomically: true, encoding: .utf8)
        let back = try f.verify([], stdin: try f.originals("C2025-0001"))
        for v in back.objects { #expect(v["attested_tree_size"] as? Int == 31, "\(v)") }
    }

    @Test func aDroppedTokenOrAnInconsistentPastCheckpointGivesNoEarlierTime() throws {
        let f = try VerifyFixture()
        let tsa = try LocalTSA(in: f.dir.file("tsa"))
        // Size 31 stamped and kept; then one more entry, stamped, as the checkpoint verified.
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("log.key").path, "--tsa-url", tsa.url])
        try f.run("evchain", ["append", f.chain], stdin: Data(Self.oneRecord.utf8))
        let current = f.dir.file("current.cp").path
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("log.key").path, "--out", current, "--tsa-url", tsa.url])
        let args = ["--chain", f.chain, "--checkpoint", current, "--log-key", f.logVKey, "--no-witness",
                    "--tsa-ca", tsa.caFile, "--root", f.contracts.path]
        let genuine = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        try #require(genuine.status == 0, "\(genuine.out) \(genuine.stderr)")
        for v in genuine.objects {
            #expect(v["attested_tree_size"] as? Int == 31, "\(v)")
            #expect(v["attested_by"] as? String == "timestamp")
        }
        let kept = f.chain + ".checkpoints/31"
        let token = try Data(contentsOf: URL(fileURLWithPath: kept + ".tsr"))
        try FileManager.default.removeItem(atPath: kept + ".tsr")
        let dropped = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(dropped.status == 0)
        for v in dropped.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }

        // A fork: another tree of 31 entries under the same log key, genuinely stamped.
        let fork = f.dir.file("fork.chain").path
        try f.run("evchain", ["init", fork, "--origin", "bank.example/evidence/2026"])
        let records = try Tools.run("evhash", ["--root", f.contracts.path, "--manifest", f.contracts.appendingPathComponent("manifest.jsonl").path])
        let forked = String(decoding: records.stdout, as: UTF8.self).replacingOccurrences(of: "\"esign\"", with: "\"esign2\"")
        try f.run("evchain", ["append", fork], stdin: Data(forked.utf8))
        try f.run("evchain", ["checkpoint", fork, "--key", f.dir.file("log.key").path, "--tsa-url", tsa.url])
        try FileManager.default.removeItem(atPath: kept)
        try FileManager.default.copyItem(atPath: fork + ".checkpoints/31", toPath: kept)
        try FileManager.default.copyItem(atPath: fork + ".checkpoints/31.tsr", toPath: kept + ".tsr")
        let inconsistent = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(inconsistent.status == 0)
        for v in inconsistent.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
        _ = token
    }

    @Test func withNothingAttestedLoggedBeforeFails() throws {
        let f = try VerifyFixture()
        let args = ["--chain", f.chain, "--checkpoint", f.signedOnly, "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path]
        let plain = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(plain.status == 0)
        #expect(plain.objects.allSatisfy { $0["attested"] == nil })
        let dated = try Tools.run("evverify", args + ["--logged-before", "2999-01-01T00:00:00Z"], stdin: try f.originals("C2025-0001"))
        #expect(dated.status == 1, "\(dated.out)")
        #expect(dated.objects.allSatisfy { $0["status"] as? String == "unproven" })
        #expect((dated.objects.first?["reason"] as? String)?.contains("bank's clock") == true, "\(dated.out)")
    }

    @Test func theCertificateCarriesTheAttestedTimeAndCheckCertReChecksIt() throws {
        let f = try VerifyFixture()
        try Self.appendAndSeal(f, from: 31)
        let tomorrow = Self.rfc3339(Int64(Date().timeIntervalSince1970) + 86_400)
        let cert = try f.certify(["--root", f.contracts.path, "--logged-before", tomorrow], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let original = try JSON.parse(Array(cert.stdout))
        let past = try #require(original["attestations"]?.arrayValue, "no attestations in the certificate")
        #expect(past.count == 1)
        #expect(past.first?["tree_size"]?.integerValue == 31)
        #expect(past.first?["by"]?.stringValue == "cosignatures")
        let items = try #require(original["items"]?.arrayValue)
        for item in items {
            #expect(item["attested"]?["tree_size"]?.integerValue == 31, "\(item)")
            #expect(item["attested"]?["time"] == past.first?["time"])
            #expect(item["logged"]?.stringValue != nil)
        }
        let checked = try f.checkCert(cert.stdout)
        #expect(checked.status == 0, "\(checked.out)")

        // A dishonest issuer edits, recomputes the sections and signs again.
        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        func resigned(_ path: [String], _ value: JSONValue?) throws -> Data {
            guard case .object(var doc) = original else { throw EvidenceError.input("not an object") }
            if let value { doc = replacing(.object(doc), at: path[...], with: value).objectValue! } else { doc[path[0]] = nil }
            doc["signature"] = nil
            doc["sections"] = nil
            doc.appendNew("sections", .object(CustodyCertificate.sections(of: doc)))
            let sig = try issuer.sign(CustodyCertificate.signatureDomain + JCS.canonical(.object(doc)))
            doc.appendNew("signature", ["alg": "ed25519", "key": .string(issuer.verifierKey.encoded), "value": .string(Base64.encode(sig))])
            return Data(JCS.canonical(.object(doc)))
        }
        #expect(try f.checkCert(try resigned(["issued"], original["issued"]!)).status == 0, "re-signing alone changes nothing")
        let edits: [([String], JSONValue?, String)] = [
            (["items", "0", "attested", "time"], "2020-01-01T00:00:00Z", "items[0]"),
            (["attestations", "0", "time"], "2020-01-01T00:00:00Z", "attestations[0]"),
            (["attestations", "0", "consistency"], [], "attestations[0]"),
            (["attestations"], nil, "items[0]"),
            (["verification", "logged_before"], "2020-01-01T00:00:00Z", "logged_before"),
        ]
        for (path, value, named) in edits {
            let r = try f.checkCert(try resigned(path, value))
            #expect(r.status == 1, "\(path) edited and re-signed still checks: \(r.out)")
            #expect(r.out.contains(named), "\(path): \(r.out)")
        }
    }

    @Test func theCatalogueShowsTheAttestedTimeBesideTheBanksClock() throws {
        let f = try VerifyFixture()
        let verdicts = try f.verify([], stdin: try f.originals("C2025-0001"))
        try #require(verdicts.status == 0, "\(verdicts.out)")
        let md = try Tools.run("evcatalog", ["--format", "md", "--lang", "en"], stdin: verdicts.stdout)
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.out.contains("bank's clock: "), "\(md.out)")
        #expect(md.out.contains("attested: in the log by ") && md.out.contains("(witness cosignatures)"), "\(md.out)")
        let rows = try Tools.run("evcatalog", ["--format", "jsonl"], stdin: verdicts.stdout)
        #expect(rows.objects.allSatisfy { $0["attested"] as? String != nil && $0["attested_by"] as? String == "cosignatures" }, "\(rows.out)")
        // Only what evverify can say attests a time.
        let forged = verdicts.out.replacingOccurrences(of: #""attested_by":"cosignatures""#, with: #""attested_by":"bank""#)
        let refused = try Tools.run("evcatalog", ["--format", "md"], stdin: Data(forged.utf8))
        #expect(refused.status == 2, "\(refused.out)")
        #expect(refused.stderr.contains("attested_by"), "\(refused.stderr)")
    }

    @Test func aProofBundleCarriesTheEarliestAttestedCheckpoint() throws {
        let f = try VerifyFixture()
        try Self.appendAndSeal(f, from: 31)
        let bundle = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: try f.records("C2025-0001"))
        let lines = bundle.out.split(separator: "\n").map(String.init)
        let first = try #require(lines.first.flatMap { try? JSON.parse(Array($0.utf8)) })
        #expect(first["attestation"]?["tree_size"]?.integerValue == 31, "\(lines.first ?? "")")
        func verify(_ text: String) throws -> ToolResult {
            try f.dir.write("c1.proofs", Data(text.utf8))
            return try Tools.run("evverify", ["--proofs", f.dir.file("c1.proofs").path, "--log-key", f.logVKey,
                                              "--witness-key", f.notaryVKey, "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        }
        let genuine = try verify(bundle.out)
        try #require(genuine.status == 0, "\(genuine.out) \(genuine.stderr)")
        for v in genuine.objects { #expect(v["attested_tree_size"] as? Int == 31, "\(v)") }

        // The bank edits what it exports: another root, the cosignature dropped, a broken proof.
        let note = try #require(first["attestation"]?["note"]?.stringValue)
        let noteLines = note.components(separatedBy: "\n")
        let otherRoot = ([noteLines[0], noteLines[1], String(repeating: "A", count: 43) + "="] + noteLines.dropFirst(3)).joined(separator: "\n")
        let unsigned = noteLines.filter { !$0.contains("notary.example/witness") }.joined(separator: "\n")
        func jsonString(_ s: String) -> String { String(decoding: JCS.canonical(.string(s)), as: UTF8.self) }
        let consistency = try #require(first["attestation"]?["consistency"]?.arrayValue?.first?.stringValue)
        for edited in [bundle.out.replacingOccurrences(of: jsonString(note), with: jsonString(otherRoot)),
                       bundle.out.replacingOccurrences(of: jsonString(note), with: jsonString(unsigned)),
                       bundle.out.replacingOccurrences(of: consistency, with: String(repeating: "0", count: 64))] {
            #expect(edited != bundle.out)
            let r = try verify(edited)
            #expect(r.status == 0, "\(r.out) \(r.stderr)")
            for v in r.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
        }
    }

    @Test func aTileExportCarriesThePastCheckpoints() throws {
        let f = try VerifyFixture()
        try Self.appendAndSeal(f, from: 31)
        let tiles = f.dir.file("tiles").path
        try f.run("evchain", ["tiles", f.chain, "--out", tiles, "--checkpoint", f.cosigned])
        #expect(try String(contentsOfFile: tiles + "/checkpoints/index", encoding: .utf8) == "31\n32\n")
        let args = ["--tiles", tiles, "--log-key", f.logVKey, "--witness-key", f.notaryVKey, "--root", f.contracts.path]
        let genuine = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        try #require(genuine.status == 0, "\(genuine.out) \(genuine.stderr)")
        for v in genuine.objects { #expect(v["attested_tree_size"] as? Int == 31, "\(v)") }

        // A published past checkpoint edited, or removed: no earlier time.
        let past = tiles + "/checkpoints/31"
        let note = try String(contentsOfFile: past, encoding: .utf8)
        try note.components(separatedBy: "\n").filter { !$0.contains("notary.example/witness") }.joined(separator: "\n")
            .write(toFile: past, atomically: true, encoding: .utf8)
        let edited = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(edited.status == 0)
        for v in edited.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
        try FileManager.default.removeItem(atPath: past)
        let removed = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(removed.status == 0, "\(removed.stderr)")
        for v in removed.objects { #expect(v["attested_tree_size"] as? Int == 32, "\(v)") }
    }

    @Test func keepAddsCosignaturesToTheKeptCheckpointAndRefusesAnotherChains() throws {
        let f = try VerifyFixture()
        let kept = f.chain + ".checkpoints/31"
        // evchain checkpoint kept the signed note; keep (in seal) added the notary's line.
        let note = try String(contentsOfFile: kept, encoding: .utf8)
        #expect(note.contains("— bank.example/evidence/2026 ") && note.contains("— notary.example/witness "), "\(note)")
        // A second witness's cosignature arrives later: added, the first kept.
        let second = try f.run("evchain", ["keygen", "--witness", "--name", "notary2.example/witness", "--out", f.dir.file("notary2.key").path])
        try FileManager.default.createDirectory(at: f.dir.file("state2"), withIntermediateDirectories: true)
        let cosigned2 = try f.run("evchain", ["cosign", "--witness-key", f.dir.file("notary2.key").path, "--log-key", f.logVKey,
                                              "--state", f.dir.file("state2").path, "--init"],
                                  stdin: try Data(contentsOf: URL(fileURLWithPath: f.signedOnly)))
        try f.run("evchain", ["keep", f.chain], stdin: cosigned2.stdout)
        let merged = try String(contentsOfFile: kept, encoding: .utf8)
        #expect(merged.hasPrefix(note), "\(merged)")
        #expect(merged.contains("— notary2.example/witness "), "\(merged)")
        let both = try Tools.run("evverify", ["--chain", f.chain, "--checkpoint", f.cosigned, "--log-key", f.logVKey,
                                              "--witness-key", f.notaryVKey, "--witness-key", second.out.trimmingCharacters(in: .whitespacesAndNewlines),
                                              "--quorum", "1", "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(both.status == 0, "\(both.out) \(both.stderr)")

        // Another chain's checkpoint (same origin and key, another tree) is refused, nothing kept.
        let fork = f.dir.file("fork.chain").path
        try f.run("evchain", ["init", fork, "--origin", "bank.example/evidence/2026"])
        try f.run("evchain", ["append", fork], stdin: Data(Self.oneRecord.utf8))
        let forkNote = try f.run("evchain", ["checkpoint", fork, "--key", f.dir.file("log.key").path])
        let refused = try Tools.run("evchain", ["keep", f.chain], stdin: forkNote.stdout)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.chain + ".checkpoints/1"))
    }
}
