import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// Issue 19: completeness (`--complete`, `--require-stages`) rests on the
/// contract index the checkpoint commits to, never on files the bank can
/// edit without breaking a signature. Each test is the dishonest bank's
/// edit; each gets a failure or a refusal, never an OK. The sample log:
/// C2025-0001 at seqs 0–9 (its default notice at 9), C2025-0002 at 10–20
/// (no default stage), C2025-0003 at 21–30.
extension VerifyFixture {
    /// The notary's key declared as an index witness (INDEX-SPEC §5).
    var indexWitness: [String] { ["--index-witness", notaryVKey] }
    static let allStages = ["--require-stages", "esign,face,liveness,performance,default"]

    /// `evchain prove` of the queries, against the cosigned checkpoint, into `name`.
    func bundle(_ name: String, _ queries: String) throws -> String {
        let r = try run("evchain", ["prove", chain, "--checkpoint", cosigned], stdin: Data(queries.utf8))
        return try dir.write(name, r.stdout).path
    }

    func fromBundle(_ bundle: String, _ extra: [String], stdin: Data) throws -> ToolResult {
        try evverify(["--proofs", bundle, "--log-key", logVKey, "--witness-key", notaryVKey, "--root", contracts.path] + extra,
                     stdin: stdin)
    }

    func chainLines() throws -> [String] {
        try String(contentsOfFile: chain, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Chain line `seq` rewritten as contract `to`'s, its leaf recomputed
    /// from the new bytes (so the line itself reads as sound).
    func retagged(_ line: String, to contract: String) throws -> String {
        guard case .object(let o) = try JSON.parse(Array(line.utf8)), case .object(var record)? = o["record"] else {
            throw EvidenceError.input("not a chain line")
        }
        record["contract"] = .string(contract)
        let entry = ChainEntry(seq: UInt64(o["seq"]!.integerValue!), time: o["time"]!.stringValue!,
                               canonicalRecord: JCS.canonical(.object(record)))
        return String(decoding: entry.line.dropLast(), as: UTF8.self)
    }
}

@Suite struct EvverifyCompletenessTests {
    @Test func anHonestLogIsCompleteFromTheChainAndFromABundle() throws {
        let f = try VerifyFixture()
        let r = try f.verify(f.indexWitness + ["--complete"] + VerifyFixture.allStages, stdin: try f.originals("C2025-0001"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.count == 10)
        for o in r.objects { #expect(o["index_vouched_by"] as? [String] == ["notary.example/witness"]) }
        let text = try f.verify(f.indexWitness + ["--complete", "--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.out.contains("contract index: 1 of 1 contract shown complete; the index vouched for by notary.example/witness"), "\(text.out)")

        // A contract's bundle: its index proof first, then every entry's proof.
        let bundle = try f.bundle("c1.proofs", #"{"contract":"C2025-0001"}"#)
        let lines = try String(contentsOfFile: bundle, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 11)
        #expect(lines[0].hasPrefix(#"{"contract_index":{"contract":"C2025-0001","#), "\(lines[0])")
        let ok = try f.fromBundle(bundle, f.indexWitness + ["--complete"] + VerifyFixture.allStages, stdin: try f.originals("C2025-0001"))
        #expect(ok.status == 0, "\(ok.stderr)")
        let partial = try f.originals("C2025-0001", without: "repayment-03.json")
        let withheld = try f.fromBundle(bundle, f.indexWitness + ["--complete"], stdin: partial)
        #expect(withheld.status == 1, "\(withheld.out)")
        #expect(f.statuses(withheld)["C2025-0001/performance/repayment-03.json"] == "missing")
        // A contract the log never saw: its absence proven, no entry lines.
        let none = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: Data(#"{"contract":"C2099-0001"}"#.utf8))
        #expect(none.lines.count == 1 && none.out.hasPrefix(#"{"contract_index":{"contract":"C2099-0001","#), "\(none.out)")
    }

    @Test func withoutAnIndexWitnessCompletenessRestsOnTheBankAndIsRefused() throws {
        let f = try VerifyFixture()
        let refused = try f.verify(["--complete"], stdin: try f.originals("C2025-0001"))
        #expect(refused.status == 1, "\(refused.out)")
        #expect(refused.stderr.contains("contract C2025-0001: completeness would rest on the bank's own signature alone"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--index-witness") && refused.stderr.contains("--accept-bank-index"))
        let stages = try f.verify(["--require-stages", "esign"], stdin: try f.originals("C2025-0001"))
        #expect(stages.status == 1, "\(stages.out)")
        #expect(try f.certify(["--root", f.contracts.path, "--complete"], stdin: try f.originals("C2025-0001")).status == 1)

        let accepted = try f.verify(["--complete", "--accept-bank-index"], stdin: try f.originals("C2025-0001"))
        #expect(accepted.status == 0, "\(accepted.stderr)")
        for o in accepted.objects { #expect(o["index_vouched_by"] as? [String] == []) }
        let text = try f.verify(["--complete", "--accept-bank-index", "--text"], stdin: try f.originals("C2025-0001"))
        #expect(text.out.contains("the index rests on the bank's own signature alone"), "\(text.out)")
    }

    /// The lookup record of the withheld entry (seq 7) pointed at another contract's entry.
    @Test func aLookupPointedElsewhereHidesNothing() throws {
        let f = try VerifyFixture()
        let key = ChainLookup.key(.contract, "C2025-0001", context: HashContext(.sha256))
        let target = Array(key.be64) + Array(UInt64(7).be64)
        var edited = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: f.dir.url.path) where name.hasPrefix("bank.chain.lookup.") {
            let path = f.dir.file(name).path
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            var i = 0
            while i + 16 <= bytes.count {
                if Array(bytes[i..<i + 16]) == target {
                    bytes.replaceSubrange(i + 8..<i + 16, with: Array(UInt64(12).be64))
                    edited += 1
                }
                i += 16
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        try #require(edited == 1)
        let partial = try f.originals("C2025-0001", without: "repayment-03.json")
        let r = try f.verify(f.indexWitness + ["--complete"], stdin: partial)
        #expect(r.status == 1, "\(r.out)")
        #expect(r.stderr.contains("contract C2025-0001: the log holds 10 entries"), "\(r.stderr)")
        // The honest set of originals still cannot be shown complete from the damaged lookup: a failure, not an OK.
        #expect(try f.verify(f.indexWitness + ["--complete"], stdin: try f.originals("C2025-0001")).status == 1)
    }

    /// C2025-0001's default notice (seq 9) rewritten as C2025-0002's, its
    /// leaf recomputed and the lookup dropped so the chain is scanned: it
    /// must not fill C2025-0002's missing default stage.
    @Test func aRetaggedEntryLineFillsNoStage() throws {
        let f = try VerifyFixture()
        var lines = try f.chainLines()
        lines[9] = try f.retagged(lines[9], to: "C2025-0002")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: f.chain))
        try FileManager.default.removeItem(atPath: f.chain + ".lookup")
        let r = try f.verify(f.indexWitness + VerifyFixture.allStages, stdin: try f.originals("C2025-0002"))
        #expect(r.status == 1, "\(r.out)")
        #expect(r.stderr.contains("contract C2025-0002: the entry at seq 9 is not proven included"), "\(r.stderr)")
        let cert = try f.certify(f.indexWitness + VerifyFixture.allStages + ["--root", f.contracts.path], stdin: try f.originals("C2025-0002"))
        #expect(cert.status == 1 && cert.stdout.isEmpty, "\(cert.out)")
    }

    /// One extra hand-edited line in a bundle supplying C2025-0002's `default` stage.
    @Test func anExtraBundleLineFillsNoStage() throws {
        let f = try VerifyFixture()
        let bundle = try f.bundle("c2.proofs", #"{"contract":"C2025-0002"}"#)
        let honest = try f.fromBundle(bundle, f.indexWitness + VerifyFixture.allStages, stdin: try f.originals("C2025-0002"))
        #expect(honest.status == 1 && f.statuses(honest)["C2025-0002/default"] == "missing", "\(honest.out)")

        let notice = try f.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned],
                               stdin: Data(#""C2025-0001/default/default-notice.pdf""#.utf8)).lines[0]
        guard case .object(var line) = try JSON.parse(Array(notice.utf8)), case .object(var record)? = line["record"] else {
            Issue.record("not a proof line")
            return
        }
        record["contract"] = .string("C2025-0002")
        line["record"] = .object(record)
        for recompute in [false, true] {
            if recompute {
                let entry = ChainEntry(seq: 9, time: line["time"]!.stringValue!, canonicalRecord: JCS.canonical(.object(record)))
                line["leaf"] = .string(entry.leaf.hex)
            }
            let edited = try String(contentsOfFile: bundle, encoding: .utf8) + String(decoding: JCS.canonical(.object(line)), as: UTF8.self) + "\n"
            let path = try f.dir.write("c2-extra.proofs", Data(edited.utf8)).path
            let r = try f.fromBundle(path, f.indexWitness + VerifyFixture.allStages, stdin: try f.originals("C2025-0002"))
            #expect(r.status == 1, "\(r.out)")
            #expect(r.stderr.contains("contract C2025-0002: the entry at seq 9"), "\(r.stderr)")
        }
        // A bundle without the contract's index proof shows nothing complete.
        let ids = try f.bundle("c2-ids.proofs", String(decoding: try f.records("C2025-0002"), as: UTF8.self))
        let r = try f.fromBundle(ids, f.indexWitness + ["--complete"], stdin: try f.originals("C2025-0002"))
        #expect(r.status == 1 && r.stderr.contains("holds no contract index proof"), "\(r.stderr)")
    }

    @Test func anEditedIndexFileFails() throws {
        let f = try VerifyFixture()
        let path = f.chain + ".contracts"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(bytes.count > 64)
        // Every node the contract's proof could read, flipped.
        for i in stride(from: 0, to: bytes.count, by: 7) { bytes[i] ^= 0x01 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try f.verify(f.indexWitness + ["--complete"], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1 || r.status == 3, "\(r.out)")
        #expect(r.status != 0)
        // Nor does prove hand out an index proof from it.
        let proved = try Tools.run("evchain", ["prove", f.chain, "--checkpoint", f.cosigned], stdin: Data(#"{"contract":"C2025-0001"}"#.utf8))
        #expect(proved.status != 0 && !proved.out.contains("contract_index"), "\(proved.out)")
    }

    /// The bank signs a checkpoint whose index line names another root.
    @Test func aForgedIndexRootInTheCheckpointIsRefused() throws {
        let f = try VerifyFixture()
        let note = try SignedNote(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: f.signedOnly))))
        var cp = try Checkpoint(text: note.text)
        try #require(cp.contractIndexRoot != nil)
        cp.contractIndexRoot = ContractIndex.emptyRoot
        let forged = try cp.signed(with: try KeyFile.readSigner(f.dir.file("log.key").path)).bytes
        let path = try f.dir.write("forged.checkpoint", Data(forged)).path
        let base = ["--chain", f.chain, "--checkpoint", path, "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path]
        let refused = try f.evverify(base + ["--complete"], stdin: try f.originals("C2025-0001"))
        #expect(refused.status == 1 && refused.stderr.contains("bank's own signature alone"), "\(refused.out)")
        let accepted = try f.evverify(base + ["--complete", "--accept-bank-index"], stdin: try f.originals("C2025-0001"))
        #expect(accepted.status == 1 && accepted.stderr.contains("does not verify against the checkpoint's index root"), "\(accepted.out)")

        // A checkpoint without the index line (as an older log's) shows nothing complete, and prove exports no index proof against it.
        cp.contractIndexRoot = nil
        let bare = try f.dir.write("bare.checkpoint", Data(try cp.signed(with: try KeyFile.readSigner(f.dir.file("log.key").path)).bytes)).path
        let old = try f.evverify(["--chain", f.chain, "--checkpoint", bare, "--log-key", f.logVKey, "--no-witness", "--root", f.contracts.path,
                                  "--complete", "--accept-bank-index"], stdin: try f.originals("C2025-0001"))
        #expect(old.status == 1 && old.stderr.contains("carries no contract index root"), "\(old.out)")
        let proved = try Tools.run("evchain", ["prove", f.chain, "--checkpoint", bare], stdin: Data(#"{"contract":"C2025-0001"}"#.utf8))
        #expect(proved.status == 1 && proved.stdout.isEmpty && proved.stderr.contains("no contract index root"), "\(proved.out)")
    }

    @Test func aCertificateCarriesCompletenessAndCheckCertReverifiesIt() throws {
        let f = try VerifyFixture()
        let cert = try f.certify(f.indexWitness + ["--root", f.contracts.path, "--complete"] + VerifyFixture.allStages,
                                 stdin: try f.originals("C2025-0001"))
        try #require(cert.status == 0, "\(cert.stderr)")
        let original = try JSON.parse(Array(cert.stdout))
        let entries = original["completeness"]?["contracts"]?.arrayValue?.first?["entries"]?.arrayValue ?? []
        #expect(entries.count == 10)
        #expect(try f.checkCert(cert.stdout, f.indexWitness).status == 0)
        let plain = try f.checkCert(cert.stdout)
        #expect(plain.status == 1 && plain.out.contains("rests on the bank's own signature alone"), "\(plain.out)")
        #expect(try f.checkCert(cert.stdout, ["--witness-key", f.notaryVKey, "--accept-bank-index"]).status == 0)

        let issuer = try KeyFile.readSigner(f.dir.file("issuer.key").path)
        func resigned(_ edit: (inout JSONObject) -> Void) throws -> Data {
            guard case .object(var doc) = original else { throw EvidenceError.input("not an object") }
            edit(&doc)
            doc["signature"] = nil
            doc["sections"] = nil
            doc["serial"] = nil
            doc["serial"] = .string(CustodyCertificate.serial(of: doc))
            doc.appendNew("sections", .object(CustodyCertificate.sections(of: doc)))
            let value = try issuer.sign(CustodyCertificate.signatureDomain + JCS.canonical(.object(doc)))
            doc.appendNew("signature", ["alg": "ed25519", "key": .string(issuer.verifierKey.encoded), "value": .string(Base64.encode(value))])
            return Data(JCS.canonical(.object(doc)))
        }
        #expect(try f.checkCert(try resigned { _ in }, f.indexWitness).status == 0, "re-signing alone changes nothing")
        let dropped = JSONValue.array(Array(entries.dropLast()))
        let edits: [(String, (inout JSONObject) -> Void)] = [
            ("completeness.contracts[0]", { doc in doc = replacing(.object(doc), at: ["completeness", "contracts", "0", "entries"], with: dropped).objectValue! }),
            ("completeness.contracts[0]", { doc in doc = replacing(.object(doc), at: ["completeness", "contracts", "0", "index_proof", "leaf", "count"], with: 9).objectValue! }),
            ("completeness: missing", { doc in doc["completeness"] = nil }),
            ("contracts[0]", { doc in doc = replacing(.object(doc), at: ["contracts", "0", "missing_stages"], with: ["default"]).objectValue! }),
        ]
        for (field, edit) in edits {
            let r = try f.checkCert(try resigned(edit), f.indexWitness)
            #expect(r.status == 1, "\(field): \(r.out)")
            let findings = (r.objects.first?["findings"] as? [String]) ?? []
            #expect(findings.contains { $0.hasPrefix(field) }, "\(field): \(findings)")
        }
    }
}

extension EvverifyCompletenessTests {
    /// An independent checker written from evverify(1) alone agrees, and
    /// catches a dropped and a retagged line.
    @Test func anIndependentCheckerAgrees() throws {
        let f = try VerifyFixture()
        func check(_ bundle: String, _ contract: String) throws -> String {
            let r = try Tools.runPython([independentDirectory.appendingPathComponent("completeness_check.py").path, f.logVKey, contract],
                                        requires: ["cryptography", "rfc8785"], stdin: Data(bundle.utf8))
            #expect(r.status == 0, "\(r.stderr)")
            return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let bundle = try String(contentsOfFile: try f.bundle("c1.proofs", #"{"contract":"C2025-0001"}"#), encoding: .utf8)
        #expect(try check(bundle, "C2025-0001") == "complete 10")
        let absent = try String(contentsOfFile: try f.bundle("none.proofs", #"{"contract":"C2099-0001"}"#), encoding: .utf8)
        #expect(try check(absent, "C2099-0001") == "absent")
        var lines = bundle.split(separator: "\n").map(String.init)
        lines.remove(at: 5)
        #expect(try check(lines.joined(separator: "\n"), "C2025-0001").hasPrefix("fail: entries do not reproduce"))
        lines = bundle.split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: #""contract":"C2025-0001""#, with: #""contract":"C2025-0009""#)
        #expect(try check(lines.joined(separator: "\n"), "C2025-0001").hasPrefix("fail:"))
        #expect(try check(bundle, "C2025-0002").hasPrefix("fail: index proof is for another contract"))
    }
}

extension EvverifyCompletenessTests {
    /// Item 1: an entry the source made up is not reported as the log's: a
    /// hand-made line "re-logging" an id with another digest makes the item
    /// unproven, naming that entry, not a mismatch with a conflict.
    @Test func aMadeUpConflictIsNotTheLogs() throws {
        let f = try VerifyFixture()
        let bundle = try f.bundle("c1.proofs", String(decoding: try f.records("C2025-0001"), as: UTF8.self))
        let photo = try String(contentsOfFile: bundle, encoding: .utf8).split(separator: "\n").first { $0.contains("face-photo.png") }!
        guard case .object(var line) = try JSON.parse(Array(photo.utf8)), case .object(var record)? = line["record"] else {
            Issue.record("not a proof line")
            return
        }
        record["digest"] = .string(String(repeating: "ab", count: 32))
        line["record"] = .object(record)
        line["seq"] = 25
        line["leaf"] = .string(ChainEntry(seq: 25, time: line["time"]!.stringValue!, canonicalRecord: JCS.canonical(.object(record))).leaf.hex)
        let edited = try String(contentsOfFile: bundle, encoding: .utf8) + String(decoding: JCS.canonical(.object(line)), as: UTF8.self) + "\n"
        let path = try f.dir.write("c1-conflict.proofs", Data(edited.utf8)).path
        let r = try f.fromBundle(path, [], stdin: try f.originals("C2025-0001"))
        #expect(r.status == 1, "\(r.out)")
        let item = try #require(r.objects.first { $0["id"] as? String == "C2025-0001/face/face-photo.png" })
        #expect(item["status"] as? String == "unproven", "\(item)")
        #expect((item["reason"] as? String)?.contains("the entry at seq 25 of this id is not proven") == true, "\(item)")
        #expect(item["conflicts"] == nil)
    }
}

extension UInt64 {
    var be64: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * $0)) } }
}
