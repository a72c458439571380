import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// A bank's log of the bundled sample contracts, sealed and cosigned, made
/// with the real tools as the example pipeline makes it.
struct VerifyFixture {
    let dir: TemporaryDirectory
    let contracts: URL
    var logVKey = ""
    var notaryVKey = ""
    var issuerVKey = ""
    var chain: String { dir.file("bank.chain").path }
    var cosigned: String { dir.file("checkpoint.cosigned").path }
    var signedOnly: String { dir.file("checkpoint.signed").path }

    init() throws {
        dir = try TemporaryDirectory()
        // A private copy of the originals, so tests can alter them.
        contracts = dir.file("contracts")
        try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("examples/contracts"), to: contracts)
        let records = try Tools.run("evhash", ["--root", contracts.path, "--manifest", contracts.appendingPathComponent("manifest.jsonl").path])
        try #require(records.status == 0, "\(records.stderr)")
        try run("evchain", ["init", chain, "--origin", "bank.example/evidence/2026"])
        logVKey = try run("evchain", ["keygen", "--name", "bank.example/evidence/2026", "--out", dir.file("log.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        notaryVKey = try run("evchain", ["keygen", "--witness", "--name", "notary.example/witness", "--out", dir.file("notary.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        issuerVKey = try run("evchain", ["keygen", "--name", "notary.example/custody", "--out", dir.file("issuer.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try run("evchain", ["append", chain], stdin: records.stdout)
        try seal()
    }

    /// checkpoint → consistency → the notary's cosignature.
    func seal(from: Int = 0) throws {
        try run("evchain", ["checkpoint", chain, "--key", dir.file("log.key").path, "--out", signedOnly])
        // The notary's first checkpoint of the log comes without a proof (c2sp.org/tlog-witness).
        var proofArgs = ["--init"]
        if from > 0 {
            let proof = try run("evchain", ["consistency", chain, "--from", "\(from)", "--checkpoint", signedOnly])
            proofArgs = ["--proof", try dir.write("consistency.json", proof.stdout).path]
        }
        try FileManager.default.createDirectory(at: dir.file("notary-state"), withIntermediateDirectories: true)
        let cosigned = try run("evchain", ["cosign", "--witness-key", dir.file("notary.key").path, "--log-key", logVKey,
                                           "--state", dir.file("notary-state").path] + proofArgs,
                               stdin: try Data(contentsOf: URL(fileURLWithPath: signedOnly)))
        try dir.write("checkpoint.cosigned", cosigned.stdout)
        // The bank keeps what the notary returned among its past checkpoints.
        try run("evchain", ["keep", chain, dir.file("checkpoint.cosigned").path])
    }

    @discardableResult
    func run(_ tool: String, _ args: [String], stdin: Data = Data()) throws -> ToolResult {
        let r = try Tools.run(tool, args, stdin: stdin, directory: dir.url)
        try #require(r.status == 0, "\(tool) \(args): \(r.stderr)")
        return r
    }

    /// The manifest lines of one contract, as the bank hands the originals over.
    func originals(_ contract: String) throws -> Data {
        let manifest = try String(contentsOf: contracts.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        return Data(manifest.split(separator: "\n").filter { $0.contains("\"\(contract)\"") }.joined(separator: "\n").utf8)
    }

    /// `evverify certify` of `contract`'s originals against the chain, under
    /// the notary's cosignature, into `out` (or standard output).
    func certifyOriginals(_ contract: String, out: String? = nil) throws -> ToolResult {
        try Tools.run("evverify", ["certify", "--chain", chain, "--checkpoint", cosigned, "--log-key", logVKey,
                                   "--witness-key", notaryVKey, "--root", contracts.path,
                                   "--issuer-key", dir.file("issuer.key").path] + (out.map { ["--out", $0] } ?? []),
                      stdin: try originals(contract))
    }

    func verify(_ extra: [String], stdin: Data, checkpoint: String? = nil) throws -> ToolResult {
        try Tools.run("evverify", ["--chain", chain, "--checkpoint", checkpoint ?? cosigned, "--log-key", logVKey,
                                   "--witness-key", notaryVKey, "--root", contracts.path] + extra, stdin: stdin, directory: dir.url)
    }

    func statuses(_ r: ToolResult) -> [String: String] {
        Dictionary(uniqueKeysWithValues: r.objects.map { ($0["id"] as! String, $0["status"] as! String) })
    }
}

@Suite struct EvverifyTests {
    @Test func allOriginalsOfADefaultedContractAreOK() throws {
        let f = try VerifyFixture()
        let r = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.count == 10)
        for o in r.objects {
            #expect(o["status"] as? String == "ok")
            #expect(o["seq"] is Int && o["logged"] is String && o["tree_size"] as? Int == 31)
        }
        let text = try f.verify(["--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.lines.first == "C2025-0001/esign/contract.pdf: OK")
        #expect(text.stderr.isEmpty)
    }

    @Test func oneChangedByteIsAMismatchAndOnlyThatItem() throws {
        let f = try VerifyFixture()
        let file = f.contracts.appendingPathComponent("C2025-0001/esign/contract.pdf")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: file)
        let r = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1)
        let s = f.statuses(r)
        #expect(s["C2025-0001/esign/contract.pdf"] == "mismatch")
        #expect(s.values.filter { $0 == "ok" }.count == 9)
        let bad = try #require(r.objects.first { $0["status"] as? String == "mismatch" })
        #expect(bad["actual"] as? String != bad["digest"] as? String)
        let sha = try Tools.runExecutable("sha256sum", [file.path])
        #expect(bad["actual"] as? String == String(sha.out.prefix(64)))

        let text = try f.verify(["--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.status == 1)
        #expect(text.out.contains("C2025-0001/esign/contract.pdf: FAILED (digest mismatch)"))
        #expect(text.stderr.contains("1 of 10 items FAILED"))
        let quiet = try f.verify(["--quiet"], stdin: try f.originals("C2025-0001"))
        #expect(quiet.lines == ["C2025-0001/esign/contract.pdf: FAILED (digest mismatch)"])
        let status = try f.verify(["--status"], stdin: try f.originals("C2025-0001"))
        #expect(status.status == 1 && status.stdout.isEmpty)
    }

    @Test func aFileNeverLoggedIsMissing() throws {
        let f = try VerifyFixture()
        try Data("a late addendum".utf8).write(to: f.contracts.appendingPathComponent("C2025-0001/esign/addendum.pdf"))
        var input = try f.originals("C2025-0001")
        input.append(Data("\n{\"contract\":\"C2025-0001\",\"stage\":\"esign\",\"path\":\"C2025-0001/esign/addendum.pdf\"}\n".utf8))
        let r = try f.verify([], stdin: input)
        #expect(r.status == 1)
        #expect(f.statuses(r)["C2025-0001/esign/addendum.pdf"] == "missing")
        #expect(f.statuses(r).values.filter { $0 == "ok" }.count == 10)
    }

    @Test func aCheckpointSignedByTheWrongKeyProvesNothing() throws {
        let f = try VerifyFixture()
        let rogue = try f.run("evchain", ["keygen", "--name", "bank.example/evidence/2026", "--out", f.dir.file("rogue.key").path])
        _ = rogue
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("rogue.key").path, "--out", f.dir.file("rogue.cp").path])
        let r = try Tools.run("evverify", ["--chain", f.chain, "--checkpoint", f.dir.file("rogue.cp").path,
                                          "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1)
        #expect(Set(f.statuses(r).values) == ["unproven"])
        #expect((r.objects.first?["reason"] as? String)?.contains("checkpoint signature") == true)
    }

    @Test func aMissingCosignatureUnderQuorumOneIsUnproven() throws {
        let f = try VerifyFixture()
        let r = try f.verify(["--quorum", "1"], stdin: try f.originals("C2025-0001"), checkpoint: f.signedOnly)
        #expect(r.status == 1)
        #expect(Set(f.statuses(r).values) == ["unproven"])
        #expect((r.objects.first?["reason"] as? String)?.contains("0 valid cosignatures, quorum is 1") == true)
        // Without a witness requirement the log's own signature suffices.
        let own = try Tools.run("evverify", ["--chain", f.chain, "--checkpoint", f.signedOnly, "--log-key", f.logVKey, "--no-witness",
                                             "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(own.status == 0)
    }

    @Test func aProofBundleVerifiesWithoutTheLogButNotAgainstAnotherCheckpoint() throws {
        let f = try VerifyFixture()
        let records = try Tools.run("evhash", ["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        let bundle = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: records.stdout)
        try f.dir.write("c1.proofs", bundle.stdout)
        #expect(!bundle.out.contains("C2025-0002"), "the bundle holds no other customer's entry")
        let args = ["--proofs", f.dir.file("c1.proofs").path, "--log-key", f.logVKey, "--witness-key", f.notaryVKey,
                    "--root", f.contracts.path]
        let ok = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.objects.count == 10)

        // The log grows and is sealed again: the old bundle is against another checkpoint.
        let more = #"{"id":"C2025-0009/esign/x.pdf","contract":"C2025-0009","stage":"esign","alg":"sha256","digest":"\#(String(repeating: "1", count: 64))"}"#
        try f.run("evchain", ["append", f.chain], stdin: Data(more.utf8))
        try f.seal(from: 31)
        let stale = try Tools.run("evverify", args + ["--checkpoint", f.cosigned], stdin: try f.originals("C2025-0001"))
        #expect(stale.status == 1)
        #expect(Set(f.statuses(stale).values) == ["unproven"])
        #expect((stale.objects.first?["reason"] as? String)?.contains("another checkpoint") == true)

        // A truncated bundle is bad input, named with its line.
        let text = try String(contentsOf: f.dir.file("c1.proofs"), encoding: .utf8)
        try f.dir.write("cut.proofs", String(text.prefix(text.count - 40)))
        let cut = try Tools.run("evverify", ["--proofs", f.dir.file("cut.proofs").path, "--log-key", f.logVKey, "--no-witness",
                                             "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(cut.status == 2)
        #expect(cut.stderr.contains("cut.proofs:10:"), "\(cut.stderr)")
        #expect(cut.stdout.isEmpty)
    }

    @Test func aTamperedProofIsUnproven() throws {
        let f = try VerifyFixture()
        let records = try Tools.run("evhash", ["--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        let bundle = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: records.stdout)
        var lines = bundle.lines
        var first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        var proof = first["proof"] as! [String]
        proof[0] = String(proof[0].reversed())
        first["proof"] = proof
        lines[0] = String(decoding: try JSONSerialization.data(withJSONObject: first), as: UTF8.self)
        try f.dir.write("bad.proofs", lines.joined(separator: "\n") + "\n")
        let r = try Tools.run("evverify", ["--proofs", f.dir.file("bad.proofs").path, "--log-key", f.logVKey, "--no-witness",
                                           "--root", f.contracts.path], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1)
        #expect(f.statuses(r)["C2025-0001/esign/contract.pdf"] == "unproven")
        #expect(f.statuses(r).values.filter { $0 == "ok" }.count == 9)
    }

    @Test func aMissingLifecycleStageIsAFinding() throws {
        let f = try VerifyFixture()
        // C2025-0002 has not defaulted: no "default" stage in the log.
        let r = try f.verify(f.indexWitness + ["--require-stages", "esign,face,liveness,performance,default"], stdin: try f.originals("C2025-0002"))
        #expect(r.status == 1)
        let finding = try #require(r.objects.last)
        #expect(finding["id"] as? String == "C2025-0002/default")
        #expect(finding["status"] as? String == "missing")
        #expect((finding["reason"] as? String)?.contains("违约") == true)
        let complete = try f.verify(f.indexWitness + ["--require-stages", "esign,face,liveness,performance"], stdin: try f.originals("C2025-0002"))
        #expect(complete.status == 0)
    }

    @Test func evidenceRecordsAreCheckedByTheirGivenDigest() throws {
        let f = try VerifyFixture()
        let records = try Tools.run("evhash", ["--root", f.contracts.path], stdin: try f.originals("C2025-0003"))
        // Records are checked without --root: their digests are taken as given.
        let ok = try f.evverify(f.base + ["--records-only"], stdin: records.stdout)
        #expect(ok.status == 0)
        // A record whose digest is not the logged one is a mismatch.
        var objects = records.objects
        objects[0]["digest"] = String(repeating: "0", count: 64)
        objects[0]["digests"] = nil
        let forged = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let r = try f.evverify(f.base + ["--records-only"], stdin: Data(forged.joined(separator: "\n").utf8))
        #expect(r.status == 1)
        #expect(f.statuses(r)[objects[0]["id"] as! String] == "mismatch")
    }

    @Test func badInputIsNamedWithItsLine() throws {
        let f = try VerifyFixture()
        var input = try f.originals("C2025-0001")
        input.append(Data("\n{\"contract\":\"C2025-0001\",\"stage\":\"esign\"}\n".utf8))
        let r = try f.verify([], stdin: input)
        #expect(r.status == 2)
        #expect(r.stderr.contains("evverify: stdin:11:"), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing is half-done")
        let noSource = try Tools.run("evverify", ["--log-key", f.logVKey], stdin: try f.originals("C2025-0001"))
        #expect(noSource.status == 2)
        let missingFile = try f.verify([], stdin: Data(#"{"contract":"C2025-0001","stage":"esign","path":"C2025-0001/esign/contract.pdf"}"#.utf8)
                                      + Data("\n{\"contract\":\"C2025-0001\",\"stage\":\"esign\",\"path\":\"nope.pdf\"}\n".utf8))
        // A missing original is a failed item, and the run goes on.
        #expect(missingFile.status == 1)
        #expect(f.statuses(missingFile)["C2025-0001/esign/nope.pdf"] == "missing")
        #expect(f.statuses(missingFile)["C2025-0001/esign/contract.pdf"] == "ok")
    }

    @Test func certificateIsIssuedAndReverifiedOffline() throws {
        let f = try VerifyFixture()
        let cert = f.dir.file("cert.json").path
        let r = try f.certifyOriginals("C2025-0001", out: cert)
        #expect(r.status == 0, "\(r.stderr)")
        let check = ["check-cert", cert, "--issuer-key", f.issuerVKey, "--log-key", f.logVKey, "--witness-key", f.notaryVKey]
        let ok = try Tools.run("evverify", check)
        #expect(ok.status == 0, "\(ok.out)")
        #expect(ok.objects.first?["status"] as? String == "ok")
        #expect(ok.objects.first?["items"] as? Int == 10)

        // Re-verified without the log: delete it.
        try FileManager.default.removeItem(atPath: f.chain)
        #expect(try Tools.run("evverify", check).status == 0)
        // The wrong issuer key, or the wrong log key, fails.
        #expect(try Tools.run("evverify", ["check-cert", cert, "--issuer-key", f.logVKey, "--log-key", f.logVKey, "--no-witness"]).status == 1)
        #expect(try Tools.run("evverify", ["check-cert", cert, "--issuer-key", f.issuerVKey, "--log-key", f.notaryVKey]).status != 0)
    }

    /// Every scalar in the certificate, edited in turn, is caught and named.
    @Test func everyEditedFieldOfACertificateIsReported() throws {
        let f = try VerifyFixture()
        let cert = try f.certifyOriginals("C2025-0003")
        try #require(cert.status == 0)
        let original = try JSON.parse(Array(cert.stdout))
        var requirements = CheckpointTrust.Requirements(logKey: try NoteVerifierKey(parsing: f.logVKey))
        requirements.witnessKeys = [try NoteVerifierKey(parsing: f.notaryVKey)]
        requirements.quorum = 1
        let issuer = try NoteVerifierKey(parsing: f.issuerVKey)
        #expect(try CustodyCertificate.check(JCS.canonical(original), issuerKey: issuer, requirements: requirements).isValid)

        var paths: [[String]] = []
        func walk(_ v: JSONValue, _ path: [String]) {
            switch v {
            case .object(let o): for (k, x) in o { walk(x, path + [k]) }
            case .array(let a): for (i, x) in a.enumerated() { walk(x, path + ["\(i)"]) }
            default: paths.append(path)
            }
        }
        walk(original, [])
        #expect(paths.count > 100)
        func edit(_ v: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
            guard let head = path.first else {
                switch v {
                case .string(let s): return .string(s.isEmpty ? "x" : String(s.dropLast()) + (s.last == "0" ? "1" : "0"))
                case .number(let n): return .number(n + 1)
                case .bool(let b): return .bool(!b)
                default: return .string("edited")
                }
            }
            switch v {
            case .object(var o): o[head] = edit(o[head]!, path.dropFirst()); return .object(o)
            case .array(var a): let i = Int(head)!; a[i] = edit(a[i], path.dropFirst()); return .array(a)
            default: return v
            }
        }
        for path in paths {
            let tampered = edit(original, path[...])
            let result = try CustodyCertificate.check(JCS.canonical(tampered), issuerKey: issuer, requirements: requirements)
            #expect(!result.isValid, "edit of \(path.joined(separator: ".")) went unnoticed")
            // The finding names the field (its top-level section, or the item).
            let field = path[0] == "sections" ? Array(path.dropFirst()) : path
            let named = field[0] == "items" ? "items[\(field[1])]" : field[0]
            #expect(result.findings.contains { $0.hasPrefix(named) },
                    "edit of \(path.joined(separator: ".")): \(result.findings)")
        }
    }

    @Test func certifyRefusesWhenAnItemFails() throws {
        let f = try VerifyFixture()
        let file = f.contracts.appendingPathComponent("C2025-0001/face/face-photo.png")
        try Data("replaced".utf8).write(to: file)
        let r = try Tools.run("evverify", ["certify", "--chain", f.chain, "--checkpoint", f.cosigned, "--log-key", f.logVKey, "--no-witness",
                                           "--root", f.contracts.path, "--issuer-key", f.dir.file("issuer.key").path],
                              stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("no certificate issued"))
    }
}

@Suite struct EvverifyTimestampAndKeyTests {
    @Test func aTimestampedCheckpointVerifiesAndATamperedTokenDoesNot() throws {
        let f = try VerifyFixture()
        let tsa = try LocalTSA(in: f.dir.file("tsa"))
        let stamped = f.dir.file("stamped.cp").path
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("log.key").path, "--out", stamped, "--tsa-url", tsa.url])
        let args = ["--chain", f.chain, "--checkpoint", stamped, "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path, "--tsa-ca", tsa.caFile]
        let ok = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")

        // The certificate carries the token and its time; check-cert re-verifies it.
        let cert = try Tools.run("evverify", ["certify"] + args + ["--issuer-key", f.dir.file("issuer.key").path],
                                 stdin: try f.originals("C2025-0001"))
        #expect(cert.status == 0, "\(cert.stderr)")
        let doc = try JSON.parse(Array(cert.stdout))
        #expect(doc["checkpoint"]?["timestamp"]?["time"]?.stringValue?.hasSuffix("Z") == true)
        try f.dir.write("cert.json", cert.stdout)
        let check = try Tools.run("evverify", ["check-cert", f.dir.file("cert.json").path, "--issuer-key", f.issuerVKey,
                                               "--log-key", f.logVKey, "--no-witness", "--tsa-ca", tsa.caFile])
        #expect(check.status == 0, "\(check.out)")

        // A genuine token, but over another checkpoint, proves nothing for this one.
        let more = #"{"id":"C2025-0009/esign/x.pdf","contract":"C2025-0009","stage":"esign","alg":"sha256","digest":"\#(String(repeating: "2", count: 64))"}"#
        try f.run("evchain", ["append", f.chain], stdin: Data(more.utf8))
        let later = f.dir.file("later.cp").path
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("log.key").path, "--out", later, "--tsa-url", tsa.url])
        try FileManager.default.removeItem(atPath: stamped + ".tsr")
        try FileManager.default.copyItem(atPath: later + ".tsr", toPath: stamped + ".tsr")
        let bad = try Tools.run("evverify", args, stdin: try f.originals("C2025-0001"))
        #expect(bad.status == 1)
        #expect(Set(f.statuses(bad).values) == ["unproven"])
        // Requiring a timestamp where there is none is a finding too.
        let none = try Tools.run("evverify", ["--chain", f.chain, "--checkpoint", f.cosigned, "--log-key", f.logVKey, "--no-witness",
                                              "--root", f.contracts.path, "--tsa-ca", tsa.caFile], stdin: try f.originals("C2025-0001"))
        #expect(none.status == 1)
        #expect((none.objects.first?["reason"] as? String)?.contains("no timestamp token") == true)
    }

    /// Evidence outlives TSA certificates: a token signed in 2024 by a TSA
    /// whose certificate expired on 2025-01-01 still verifies, as of its
    /// genTime, and `--text` says so (Tests/Independent/tsa_token.py makes
    /// the dated token; `openssl ts -reply` can only stamp the present).
    @Test func aTokenOfAnExpiredTSACertificateVerifiesAtItsGenTime() throws {
        let f = try VerifyFixture()
        let stamped = f.dir.file("stamped.cp").path
        try f.run("evchain", ["checkpoint", f.chain, "--key", f.dir.file("log.key").path, "--out", stamped])
        let made = try Tools.runPython([Repository.root.appendingPathComponent("Tests/Independent/tsa_token.py").path,
                                        f.dir.file("tsa").path, stamped, stamped + ".tsr", "--gen-time", "20240601120000Z",
                                        "--not-before", "20240101000000Z", "--not-after", "20250101000000Z"],
                                       requires: ["cryptography"], stdin: Data(), directory: f.dir.url)
        #expect(made.status == 0, "\(made.stderr)")
        let ca = f.dir.file("tsa/ca.pem").path
        let args = ["--chain", f.chain, "--checkpoint", stamped, "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path,
                    "--tsa-ca", ca]
        let ok = try Tools.run("evverify", args + ["--text"], stdin: try f.originals("C2025-0001"))
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.lines.last?.hasSuffix("; timestamp 2024-06-01T12:00:00Z verified, the TSA's certificate chain checked at that time") == true,
                "\(ok.stdout)")
    }

    @Test func keyedRecordsNeedTheirKey() throws {
        let dir = try TemporaryDirectory()
        let key = try dir.write("bank.key", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")
        chmod(key.path, 0o600)
        let other = try dir.write("other.key", "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n")
        chmod(other.path, 0o600)
        let item = #"{"contract":"C9","stage":"face","name":"id-number.json","data":{"id_number":"110101199003071234"}}"#
        let record = try Tools.run("evhash", ["--key-file", key.path], stdin: item)
        #expect(record.objects.first?["alg"] as? String == "hmac-sha256")
        let chain = dir.file("c").path
        _ = try Tools.run("evchain", ["init", chain, "--origin", "k.example/log"])
        let vkey = try Tools.run("evchain", ["keygen", "--name", "k.example/log", "--out", dir.file("log.key").path]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Tools.run("evchain", ["append", chain], stdin: record.stdout).status == 0)
        #expect(try Tools.run("evchain", ["checkpoint", chain, "--key", dir.file("log.key").path]).status == 0)
        let base = ["--chain", chain, "--log-key", vkey, "--no-witness"]
        let withKey = try Tools.run("evverify", base + ["--key-file", key.path], stdin: item)
        #expect(withKey.status == 0, "\(withKey.stderr)")
        let without = try Tools.run("evverify", base, stdin: item)
        #expect(without.status == 2)
        #expect(without.stderr.contains("give --key-file"))
        let wrong = try Tools.run("evverify", base + ["--key-file", other.path], stdin: item)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("logged under HMAC key"))
        #expect(!wrong.stderr.contains("110101199003071234"))
    }
}
