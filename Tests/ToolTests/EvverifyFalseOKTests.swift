import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// Each test tries to get a false OK out of evverify (issues 9 and 14): a
/// verdict or certificate that claims more than the tool checked.
extension VerifyFixture {
    var base: [String] { ["--chain", chain, "--checkpoint", cosigned, "--log-key", logVKey, "--witness-key", notaryVKey] }

    func evverify(_ args: [String], stdin: Data = Data()) throws -> ToolResult {
        try Tools.run("evverify", args, stdin: stdin, directory: dir.url)
    }

    func records(_ contract: String) throws -> Data {
        let r = try Tools.run("evhash", ["--root", contracts.path], stdin: try originals(contract))
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    /// The manifest lines of `contract` without the one naming `path`.
    func originals(_ contract: String, without path: String) throws -> Data {
        let lines = String(decoding: try originals(contract), as: UTF8.self).split(separator: "\n")
        return Data(lines.filter { !$0.contains(path) }.joined(separator: "\n").utf8)
    }

    func certify(_ args: [String], stdin: Data) throws -> ToolResult {
        try evverify(["certify"] + base + ["--issuer-key", dir.file("issuer.key").path] + args, stdin: stdin)
    }

    func checkCert(_ cert: Data, _ extra: [String] = ["--witness-key"]) throws -> ToolResult {
        try dir.write("checked.cert.json", cert)
        let keys = extra == ["--witness-key"] ? ["--witness-key", notaryVKey] : extra
        return try evverify(["check-cert", dir.file("checked.cert.json").path, "--issuer-key", issuerVKey,
                             "--log-key", logVKey] + keys)
    }
}

@Suite struct EvverifyFalseOKTests {
    /// Item 1: evidence records given with --root were never compared with the originals.
    @Test func recordsAreNotTakenForOriginals() throws {
        let f = try VerifyFixture()
        let records = try f.records("C2025-0001")
        let file = f.contracts.appendingPathComponent("C2025-0001/esign/contract.pdf")
        try Data("an edited contract".utf8).write(to: file)

        let withRoot = try f.verify([], stdin: records)
        #expect(withRoot.status == 2, "records with --root: \(withRoot.out)")
        #expect(withRoot.stderr.contains("evidence record"), "\(withRoot.stderr)")
        #expect(withRoot.stdout.isEmpty)

        // Records alone prove less than originals: only when said explicitly.
        let unsaid = try f.evverify(f.base, stdin: records)
        #expect(unsaid.status == 2 && unsaid.stdout.isEmpty, "records without --records-only: \(unsaid.out)")
        #expect(unsaid.stderr.contains("stdin:1:") && unsaid.stderr.contains("--records-only"), "\(unsaid.stderr)")
        let both = try f.verify(["--records-only"], stdin: records)
        #expect(both.status == 2 && both.stdout.isEmpty, "--records-only with --root: \(both.out)")
        let manifestAsRecords = try f.evverify(f.base + ["--records-only"], stdin: try f.originals("C2025-0002"))
        #expect(manifestAsRecords.status == 2 && manifestAsRecords.stdout.isEmpty)

        let entryOnly = try f.evverify(f.base + ["--records-only"], stdin: records)
        #expect(entryOnly.status == 0, "\(entryOnly.stderr)")
        #expect(Set(entryOnly.objects.map { $0["checked"] as? String }) == ["record"])
        let text = try f.evverify(f.base + ["--text", "--records-only"], stdin: records)
        #expect(text.lines.first == "C2025-0001/esign/contract.pdf: OK (record only: original not read)")

        let originals = try f.verify([], stdin: try f.originals("C2025-0002"))
        #expect(Set(originals.objects.map { $0["checked"] as? String }) == ["original"])

        let refused = try f.certify(["--root", f.contracts.path], stdin: records)
        #expect(refused.status == 2 && refused.stdout.isEmpty)
        #expect(try f.certify([], stdin: records).status == 2, "a certificate of records needs --records-only")
        let cert = try f.certify(["--records-only"], stdin: records)
        #expect(cert.status == 0, "\(cert.stderr)")
        let doc = try JSON.parse(Array(cert.stdout))
        let method = doc["verification"]?["method"]?.stringValue ?? ""
        #expect(!method.contains("recomputed"), "\(method)")
        #expect(method.contains("not read"), "\(method)")
        #expect(doc["items"]?.arrayValue?.first?["checked"]?.stringValue == "record")
        #expect(try f.checkCert(cert.stdout).status == 0)
    }

    /// Item 2: two files with one name in one stage got one id.
    @Test func oneIdPerContractAndStage() throws {
        let f = try VerifyFixture()
        try f.dir.write("c5/C5/performance/2025/还款记录-01.json", #"{"paid":2025}"#)
        try f.dir.write("c5/C5/performance/2026/还款记录-01.json", #"{"paid":2026}"#)
        let l2025 = #"{"contract":"C5","stage":"performance","path":"C5/performance/2025/还款记录-01.json"}"#
        let l2026 = #"{"contract":"C5","stage":"performance","path":"C5/performance/2026/还款记录-01.json"}"#
        let both = Data((l2025 + "\n" + l2026 + "\n").utf8)
        let hashed = try Tools.run("evhash", ["--root", f.dir.file("c5").path], stdin: both)
        #expect(hashed.status == 2, "\(hashed.out)")
        #expect(hashed.stderr.contains("stdin:2:") && hashed.stderr.contains("stdin:1"), "\(hashed.stderr)")
        #expect(hashed.stderr.contains("C5/performance/还款记录-01.json"))

        // Logged in two runs, one copied over the other: neither may pass silently.
        for line in [l2025, l2026] {
            let r = try Tools.run("evhash", ["--root", f.dir.file("c5").path], stdin: Data(line.utf8))
            try f.run("evchain", ["append", f.chain], stdin: r.stdout)
        }
        try f.seal(from: 31)
        try FileManager.default.removeItem(at: f.dir.file("c5/C5/performance/2025/还款记录-01.json"))
        try FileManager.default.copyItem(at: f.dir.file("c5/C5/performance/2026/还款记录-01.json"),
                                         to: f.dir.file("c5/C5/performance/2025/还款记录-01.json"))
        let args = f.base + ["--root", f.dir.file("c5").path]
        let one = try f.evverify(args, stdin: Data(l2025.utf8))
        #expect(one.status == 1, "\(one.out)")
        #expect((one.objects.first?["conflicts"] as? [Any])?.count == 1)
        let together = try f.evverify(args, stdin: both)
        #expect(together.status == 2)
        #expect(together.stderr.contains("stdin:2:") && together.stderr.contains("stdin:1"), "\(together.stderr)")
    }

    /// Item 3: an edited document logged again later matched the newer entry.
    @Test func reloggedEvidenceIsShownAndDatedQueriesIgnoreIt() throws {
        let f = try VerifyFixture()
        let first = try f.verify([], stdin: try f.originals("C2025-0001"))
        let firstLogged = try #require(first.objects.first?["logged"] as? String)
        let file = f.contracts.appendingPathComponent("C2025-0001/face/face-photo.png")
        try Data("a doctored photo".utf8).write(to: file)
        Thread.sleep(forTimeInterval: 1.1)   // a later second for the second entry
        let relogged = try Tools.run("evhash", ["--root", f.contracts.path],
                                     stdin: Data(#"{"contract":"C2025-0001","stage":"face","path":"C2025-0001/face/face-photo.png"}"#.utf8))
        try f.run("evchain", ["append", f.chain], stdin: relogged.stdout)
        try f.seal(from: 31)

        let r = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1, "\(r.out)")
        let photo = try #require(r.objects.first { $0["id"] as? String == "C2025-0001/face/face-photo.png" })
        #expect(photo["status"] as? String == "mismatch")
        let conflicts = try #require(photo["conflicts"] as? [[String: Any]])
        #expect(conflicts.map { $0["seq"] as? Int } == [2])
        let text = try f.verify(["--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.out.contains("C2025-0001/face/face-photo.png: FAILED (logged again with another digest"), "\(text.out)")

        let accepted = try f.verify(["--accept-relogged", "--text"], stdin: try f.originals("C2025-0001"))
        #expect(accepted.status == 0, "\(accepted.out)")
        #expect(accepted.out.contains("C2025-0001/face/face-photo.png: OK (also logged with another digest: seq 2"), "\(accepted.out)")

        // What counts is what was logged before the dispute.
        let newest = try #require(photo["logged"] as? String)
        #expect(newest > firstLogged)
        let dated = try f.verify(["--logged-before", newest], stdin: try f.originals("C2025-0001"))
        #expect(dated.status == 1)
        let old = try #require(dated.objects.first { $0["id"] as? String == "C2025-0001/face/face-photo.png" })
        #expect(old["status"] as? String == "mismatch")
        #expect(old["seq"] as? Int == 2)
        #expect(old["conflicts"] == nil)
        let before = try f.verify(["--logged-before", "2000-01-01T00:00:00Z"], stdin: try f.originals("C2025-0001"))
        #expect(before.status == 1)
        #expect(Set(f.statuses(before).values) == ["missing"])
        #expect(try f.verify(["--logged-before", "yesterday"], stdin: try f.originals("C2025-0001")).status == 2)
    }

    /// Item 4: a withheld file went unnoticed.
    @Test func withheldEntriesOfAContractAreFailures() throws {
        let f = try VerifyFixture()
        let partial = try f.originals("C2025-0001", without: "repayment-03.json")
        let stages = f.indexWitness + ["--require-stages", "esign,face,liveness,performance,default"]
        let r = try f.verify(stages + ["--complete"], stdin: partial)
        #expect(r.status == 1, "\(r.stderr)")
        let withheld = try #require(r.objects.first { $0["id"] as? String == "C2025-0001/performance/repayment-03.json" })
        #expect(withheld["status"] as? String == "missing")
        #expect((withheld["reason"] as? String)?.contains("not presented") == true)
        #expect(withheld["seq"] as? Int == 7)
        #expect(f.statuses(r).values.filter { $0 == "ok" }.count == 9)
        #expect(try f.verify(stages + ["--complete"], stdin: try f.originals("C2025-0001")).status == 0)
        // A bundle of the items' proofs alone shows nothing complete (issue 19:
        // it carries no index proof); one with the contract's index proof
        // finds the withheld entry as the chain does.
        let bundle = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: try f.records("C2025-0001"))
        try f.dir.write("c1.proofs", bundle.stdout)
        let fromBundle = try f.evverify(["--proofs", f.dir.file("c1.proofs").path, "--log-key", f.logVKey, "--witness-key", f.notaryVKey,
                                         "--root", f.contracts.path, "--complete"] + f.indexWitness, stdin: partial)
        #expect(fromBundle.status == 1)
        #expect(fromBundle.stderr.contains("holds no contract index proof"), "\(fromBundle.stderr)")
        let indexed = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: Data(#"{"contract":"C2025-0001"}"#.utf8))
        try f.dir.write("c1-indexed.proofs", indexed.stdout)
        let fromIndexed = try f.evverify(["--proofs", f.dir.file("c1-indexed.proofs").path, "--log-key", f.logVKey, "--witness-key", f.notaryVKey,
                                          "--root", f.contracts.path, "--complete"] + f.indexWitness, stdin: partial)
        #expect(fromIndexed.status == 1)
        #expect(fromIndexed.objects.first { $0["id"] as? String == "C2025-0001/performance/repayment-03.json" }?["status"] as? String == "missing")
    }

    /// A bundle line's leaf is only what the bundle claims: the verifier
    /// recomputes it from the entry (an entry read from the log needs no
    /// second hash; one whose leaf came from elsewhere always gets one).
    @Test func aBundlesClaimedLeafIsRecomputed() throws {
        let f = try VerifyFixture()
        let bundle = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: try f.records("C2025-0001"))
        try #require(bundle.status == 0, "\(bundle.stderr)")
        var lines = String(decoding: bundle.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        let first = try #require(lines.firstIndex { $0.contains("\"leaf\":\"") })
        let leaf = try #require(lines[first].range(of: #""leaf":"[0-9a-f]{64}""#, options: .regularExpression))
        lines[first].replaceSubrange(leaf, with: "\"leaf\":\"" + String(repeating: "0", count: 64) + "\"")
        try f.dir.write("edited.proofs", Data((lines.joined(separator: "\n") + "\n").utf8))
        let r = try f.evverify(["--proofs", f.dir.file("edited.proofs").path, "--log-key", f.logVKey, "--witness-key", f.notaryVKey,
                                "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1, "\(r.stderr)")
        let reasons = r.objects.compactMap { $0["reason"] as? String }
        #expect(reasons.contains { $0.contains("leaf hash does not match its contents") }, "\(r.out)")
        #expect(r.objects.filter { $0["status"] as? String == "ok" }.count == r.objects.count - 1)
    }

    /// Item 5: without --witness-key the notary's cosignature was never checked.
    @Test func noWitnessMustBeSaid() throws {
        let f = try VerifyFixture()
        let unwitnessed = ["--chain", f.chain, "--checkpoint", f.signedOnly, "--log-key", f.logVKey, "--root", f.contracts.path]
        let r = try f.evverify(unwitnessed, stdin: try f.originals("C2025-0001"))
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.contains("--no-witness"), "\(r.stderr)")
        let accepted = try f.evverify(unwitnessed + ["--no-witness"], stdin: try f.originals("C2025-0001"))
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(Set(accepted.objects.map { $0["cosignatures"] as? Int }) == [0])
        let text = try f.evverify(unwitnessed + ["--no-witness", "--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.lines.last == "checkpoint (tree size 31): 0 witness cosignatures checked (--no-witness)", "\(text.out)")
        let witnessed = try f.verify(["--text"], stdin: try f.originals("C2025-0001"))
        #expect(witnessed.lines.last == "checkpoint (tree size 31): 1 witness cosignature checked (quorum 1)", "\(witnessed.out)")
        #expect(Set(try f.verify([], stdin: try f.originals("C2025-0001")).objects.map { $0["cosignatures"] as? Int }) == [1])

        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        #expect(try f.checkCert(cert.stdout, []).status == 2)
        #expect(try f.checkCert(cert.stdout, ["--no-witness"]).status == 0)
        let certText = try f.checkCert(cert.stdout, ["--no-witness", "--text"])
        #expect(certText.out.contains("0 witness cosignatures checked"), "\(certText.out)")
    }

    /// Item 6: one missing original aborted the whole run.
    @Test func aMissingOriginalIsAFailedItem() throws {
        let f = try VerifyFixture()
        try FileManager.default.removeItem(at: f.contracts.appendingPathComponent("C2025-0001/face/face-photo.png"))
        let r = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.objects.count == 10)
        let gone = try #require(r.objects.first { $0["id"] as? String == "C2025-0001/face/face-photo.png" })
        #expect(gone["status"] as? String == "missing")
        #expect((gone["reason"] as? String)?.hasPrefix("missing original") == true)
        #expect(f.statuses(r).values.filter { $0 == "ok" }.count == 9)
        let text = try f.verify(["--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.out.contains("C2025-0001/face/face-photo.png: FAILED (missing original"), "\(text.out)")
    }

    /// Item 7: check-cert believed the issuer's summary fields.
    @Test func checkCertRecomputesEveryDerivedField() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let original = try JSON.parse(Array(cert.stdout))
        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        /// What a dishonest issuer does: edit, recompute sections, sign again.
        func resigned(_ edit: (inout JSONObject) -> Void) throws -> Data {
            guard case .object(var doc) = original else { throw EvidenceError.input("not an object") }
            edit(&doc)
            doc["signature"] = nil
            doc["sections"] = nil
            doc.appendNew("sections", .object(CustodyCertificate.sections(of: doc)))
            let value = try issuer.sign(CustodyCertificate.signatureDomain + JCS.canonical(.object(doc)))
            doc.appendNew("signature", ["alg": "ed25519", "key": .string(issuer.verifierKey.encoded), "value": .string(Base64.encode(value))])
            return Data(JCS.canonical(.object(doc)))
        }
        #expect(try f.checkCert(try resigned { _ in }).status == 0, "re-signing alone changes nothing")
        let otherWitness = try NoteSignerKey.generate(name: "rogue.example/witness", type: .cosignatureV1).verifierKey.encoded
        func set(_ path: [String], _ value: JSONValue) -> (inout JSONObject) -> Void {
            { doc in doc = replacing(.object(doc), at: path[...], with: value).objectValue! }
        }
        let stages: JSONValue = ["esign", "face", "liveness", "performance", "execution", "default"]
        let edits: [(String, (inout JSONObject) -> Void)] = [
            ("checkpoint.cosigners", set(["checkpoint", "cosigners", "0", "time"], "2020-01-01T00:00:00Z")),
            ("checkpoint.cosigners", set(["checkpoint", "cosigners", "1"], ["key": .string(otherWitness), "time": "2026-01-01T00:00:00Z"])),
            ("verification.items", set(["verification", "items"], 11)),
            ("verification.quorum", set(["verification", "quorum"], 2)),
            ("contracts", set(["contracts", "0", "stages"], stages)),
            ("contracts", set(["contracts", "0", "contract"], "C2025-0009")),
            ("log.origin", set(["log", "origin"], "other.example/log")),
            ("issuer", set(["issuer", "name"], "rogue.example/custody")),
            ("verification.method", set(["verification", "method"], "digest of each original recomputed by hand")),
        ]
        for (field, edit) in edits {
            let r = try f.checkCert(try resigned(edit))
            #expect(r.status == 1, "\(field): \(r.out)")
            let findings = (r.objects.first?["findings"] as? [String]) ?? []
            #expect(findings.contains { $0.hasPrefix(field) }, "\(field): \(findings)")
        }
    }

    /// Item 8: stages and contracts come from the entry matched, not from the item.
    @Test func stagesComeFromTheMatchedEntry() throws {
        let f = try VerifyFixture()
        var input = try f.originals("C2025-0002")
        input.append(Data(("\n" + #"{"id":"C2025-0001/default/default-notice.pdf","contract":"C2025-0002","stage":"default","name":"default-notice.pdf","path":"C2025-0001/default/default-notice.pdf"}"# + "\n").utf8))
        let stages = f.indexWitness + ["--require-stages", "esign,face,liveness,performance,default"]
        let r = try f.verify(stages, stdin: input)
        #expect(r.status == 1, "\(r.out)")
        let borrowed = try #require(r.objects.first { $0["id"] as? String == "C2025-0001/default/default-notice.pdf" })
        #expect(borrowed["status"] as? String == "mismatch")
        #expect(f.statuses(r)["C2025-0002/default"] == "missing")
        let cert = try f.certify(stages + ["--root", f.contracts.path], stdin: input)
        #expect(cert.status == 1 && cert.stdout.isEmpty)
    }

    /// Item 9: one witness key given twice counted twice toward the quorum.
    @Test func aWitnessKeyCountsOnce() throws {
        let f = try VerifyFixture()
        let twice = ["--witness-key", f.notaryVKey, "--quorum", "2"]
        let r = try f.verify(twice, stdin: try f.originals("C2025-0001"))
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.contains("--quorum 2"), "\(r.stderr)")
        let cert = try f.certify(["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0)
        #expect(try f.checkCert(cert.stdout, ["--witness-key", f.notaryVKey, "--witness-key", f.notaryVKey, "--quorum", "2"]).status == 2)
    }

    /// Item 10: nothing to verify is not a pass.
    @Test func emptyInputWithRequiredStagesIsAnError() throws {
        let f = try VerifyFixture()
        let r = try f.verify(["--require-stages", "esign,default"], stdin: Data())
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.contains("no items"), "\(r.stderr)")
        #expect(try f.certify([], stdin: Data()).status == 2)
    }

    /// Item 11: a witness key is not an issuer key.
    @Test func certifyRefusesAWitnessKeyAsIssuer() throws {
        let f = try VerifyFixture()
        let r = try f.evverify(["certify"] + f.base + ["--root", f.contracts.path, "--issuer-key", f.dir.file("notary.key").path],
                               stdin: try f.originals("C2025-0001"))
        #expect(r.status == 2, "\(r.out)")
        #expect(r.stderr.contains("witness"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}

/// `value` with the member at `path` (keys, or indexes into arrays) set;
/// an index one past the end appends.
func replacing(_ value: JSONValue, at path: ArraySlice<String>, with new: JSONValue) -> JSONValue {
    guard let head = path.first else { return new }
    switch value {
    case .object(var o):
        o[head] = replacing(o[head] ?? .null, at: path.dropFirst(), with: new)
        return .object(o)
    case .array(var a):
        let i = Int(head)!
        if i == a.count { a.append(replacing(.null, at: path.dropFirst(), with: new)) } else {
            a[i] = replacing(a[i], at: path.dropFirst(), with: new)
        }
        return .array(a)
    default:
        return value
    }
}

@Suite struct EvverifyMemoryTests {
    /// Item 12: evverify kept every verdict whole (record, entry, audit
    /// path), ~4 KB an item. Measured as the growth of peak RSS between a
    /// run of 1 item and one of 8,000, so the fixed cost does not count.
    @Test func memoryPerItemIsBounded() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs /usr/bin/time")
        let dir = try TemporaryDirectory()
        let n = 8_000
        let manifest = (0..<n).map { #"{"contract":"C\#($0 / 10)","stage":"performance","name":"r-\#($0).json","data":{"i":\#($0)}}"# }
        try dir.write("all.jsonl", manifest.joined(separator: "\n") + "\n")
        try dir.write("one.jsonl", manifest[0] + "\n")
        let records = try Tools.run("evhash", ["--manifest", dir.file("all.jsonl").path])
        try #require(records.status == 0)
        let chain = dir.file("log.chain").path
        try #require(try Tools.run("evchain", ["init", chain, "--origin", "m.example/log"]).status == 0)
        let vkey = try Tools.run("evchain", ["keygen", "--name", "m.example/log", "--out", dir.file("log.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(try Tools.run("evchain", ["append", chain], stdin: records.stdout).status == 0)
        try #require(try Tools.run("evchain", ["checkpoint", chain, "--key", dir.file("log.key").path]).status == 0)
        func peakKB(_ input: String) throws -> Int {
            let r = try Tools.runExecutable("/usr/bin/time", ["-f", "peak %M", Tools.url("evverify").path, "--status", "--no-witness",
                                                               "--chain", chain, "--log-key", vkey, dir.file(input).path])
            #expect(r.status == 0, "\(r.stderr)")
            let line = try #require(r.stderr.split(separator: "\n").last { $0.hasPrefix("peak ") })
            return try #require(Int(line.dropFirst(5)))
        }
        let perItem = Double(try peakKB("all.jsonl") - peakKB("one.jsonl")) * 1024 / Double(n)
        #expect(perItem < 3_000, "\(Int(perItem)) bytes of peak memory per item")
    }
}
