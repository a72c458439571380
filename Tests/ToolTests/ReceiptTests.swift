import Foundation
import Testing
@testable import EvidenceSupport

/// The customer's own receipt (issue 24): `evchain receipt` writes it,
/// `evverify check-receipt` and an independent Python checker, written from
/// the man page, check it; every edit a holder or a bank could make to it
/// fails.
extension VerifyFixture {
    /// A repayment of `contract` as an inline evidence record.
    func repayment(_ contract: String, name: String, paid: Int) throws -> Data {
        let line = #"{"contract":"\#(contract)","stage":"performance","name":"\#(name)","source":"core-banking","time":"2025-05-16T09:00:00Z","data":{"paid":\#(paid)}}"#
        return try run("evhash", [], stdin: Data(line.utf8)).stdout
    }

    /// A repayment of `contract`, logged; its record.
    @discardableResult
    func logRepayment(_ contract: String, name: String, paid: Int, chain: String? = nil) throws -> Data {
        let record = try repayment(contract, name: name, paid: paid)
        try run("evchain", ["append", chain ?? self.chain], stdin: record)
        return record
    }

    var chainSize: Int {
        get throws {
            let note = try String(contentsOfFile: cosigned, encoding: .utf8)
            return Int(note.split(separator: "\n")[1])!
        }
    }

    func receipt(_ contract: String, _ extra: [String] = []) throws -> ToolResult {
        try Tools.run("evchain", ["receipt", chain, "--contract", contract, "--checkpoint", cosigned] + extra, directory: dir.url)
    }

    func checkReceipt(_ receipt: Data, _ extra: [String]? = nil) throws -> ToolResult {
        let file = try dir.write("checked.receipt.json", receipt)
        return try Tools.run("evverify", ["check-receipt", file.path, "--log-key", logVKey]
                             + (extra ?? ["--index-witness", notaryVKey]), directory: dir.url)
    }

    func pythonCheck(_ receipt: Data) throws -> String {
        try independent("receipt_verify.py", [logVKey, notaryVKey], stdin: receipt).lines.first ?? ""
    }
}

/// A receipt as JSON objects, edited by a test and written back.
func editedReceipt(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
    var doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    edit(&doc)
    return try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .withoutEscapingSlashes])
}

/// The same hex hash with its first digit changed.
func flippedHex(_ s: String) -> String { (s.first == "0" ? "1" : "0") + s.dropFirst() }

@Suite struct ReceiptTests {
    /// A receipt at signing and another after a repayment: both check, with
    /// our tool and the independent checker; the second extends the first;
    /// neither holds anything of another contract.
    @Test func receiptsAtSigningAndAfterARepaymentCheck() throws {
        let f = try VerifyFixture()
        let atSigning = try f.receipt("C2025-0001")
        #expect(atSigning.status == 0, "\(atSigning.stderr)")
        let sizeAtSigning = try f.chainSize
        try f.logRepayment("C2025-0001", name: "repayment-2025-05.json", paid: 1000)
        try f.seal(from: sizeAtSigning)
        let afterRepayment = try f.receipt("C2025-0001")
        #expect(afterRepayment.status == 0, "\(afterRepayment.stderr)")

        for r in [atSigning, afterRepayment] {
            #expect(!r.out.contains("C2025-0002") && !r.out.contains("C2025-0003"), "another contract's data in the receipt")
            let checked = try f.checkReceipt(r.stdout)
            #expect(checked.status == 0, "\(checked.out) \(checked.stderr)")
            let report = try #require(checked.objects.first)
            #expect(report["status"] as? String == "ok")
            #expect(report["index_vouched_by"] as? [String] == ["notary.example/witness"])
            #expect((report["proves"] as? String)?.contains("exactly contract C2025-0001's entries") == true)
            #expect((report["does_not_prove"] as? String)?.contains("anything logged after that checkpoint") == true)
            #expect(try f.pythonCheck(r.stdout).hasPrefix("ok "), "the independent checker")
        }
        let first = try #require(try JSONSerialization.jsonObject(with: atSigning.stdout) as? [String: Any])
        let second = try #require(try JSONSerialization.jsonObject(with: afterRepayment.stdout) as? [String: Any])
        let firstEntries = try #require(first["entries"] as? [[String: Any]])
        let secondEntries = try #require(second["entries"] as? [[String: Any]])
        #expect(secondEntries.count == firstEntries.count + 1)
        #expect(firstEntries.map { $0["leaf"] as? String } == secondEntries.dropLast().map { $0["leaf"] as? String })
        #expect((secondEntries.last?["record"] as? [String: Any])?["stage"] as? String == "performance")

        let text = try f.checkReceipt(afterRepayment.stdout, ["--index-witness", f.notaryVKey, "--text"])
        #expect(text.status == 0)
        #expect(text.lines.first == "C2025-0001: OK (\(secondEntries.count) entries, checkpoint tree size \(try f.chainSize))", "\(text.out)")
        #expect(text.out.contains("C2025-0001: does not prove: anything logged after that checkpoint"))
        let html = try f.checkReceipt(afterRepayment.stdout, ["--index-witness", f.notaryVKey, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.out.contains("<svg class=\"qr\"") && html.out.contains("C2025-0001") && html.out.contains("repayment-2025-05.json"))
    }

    /// Every edit of a receipt fails check-receipt and the independent checker.
    @Test func tamperedReceiptsFail() throws {
        let f = try VerifyFixture()
        let issued = try f.receipt("C2025-0001")
        try #require(issued.status == 0, "\(issued.stderr)")
        func entries(_ d: [String: Any]) -> [[String: Any]] { d["entries"] as! [[String: Any]] }
        let edits: [(String, String, (inout [String: Any]) -> Void)] = [
            ("entry edited", "its leaf is not the hash of its bytes", { d in
                var e = entries(d); var r = e[1]["record"] as! [String: Any]
                r["digest"] = flippedHex(r["digest"] as! String); e[1]["record"] = r; d["entries"] = e }),
            ("entry time edited", "its leaf is not the hash of its bytes", { d in
                var e = entries(d); e[0]["time"] = "2020-01-01T00:00:00Z"; d["entries"] = e }),
            ("proof edited", "not proven included", { d in
                var e = entries(d); var p = e[0]["proof"] as! [String]; p[0] = flippedHex(p[0]); e[0]["proof"] = p; d["entries"] = e }),
            ("entry dropped", "1 missing", { d in
                var e = entries(d); e.remove(at: 1); d["entries"] = e }),
            ("entry duplicated", "not after the previous", { d in
                var e = entries(d); e.insert(e[1], at: 1); d["entries"] = e }),
            ("index proof sibling edited", "index proof does not verify", { d in
                var p = d["index_proof"] as! [String: Any]; var s = p["siblings"] as! [String]
                s[0] = flippedHex(s[0]); p["siblings"] = s; d["index_proof"] = p }),
            ("index value shrunk", "index proof does not verify", { d in
                var p = d["index_proof"] as! [String: Any]; var l = p["leaf"] as! [String: Any]
                l["count"] = (l["count"] as! Int) - 1; p["leaf"] = l; d["index_proof"] = p }),
            ("cosignature stripped", "checkpoint", { d in
                var c = d["checkpoint"] as! [String: Any]
                let note = (c["note"] as! String).split(separator: "\n", omittingEmptySubsequences: false)
                c["note"] = note.filter { !$0.hasPrefix("— notary.example/witness ") }.joined(separator: "\n"); d["checkpoint"] = c }),
        ]
        for (what, finding, edit) in edits {
            let tampered = try editedReceipt(issued.stdout, edit)
            let r = try f.checkReceipt(tampered)
            #expect(r.status == 1, "\(what): \(r.out) \(r.stderr)")
            let findings = (r.objects.first?["findings"] as? [String]) ?? []
            #expect(findings.contains { $0.contains(finding) }, "\(what): \(findings)")
            #expect(r.objects.first?["proves"] == nil, "\(what)")
            #expect(try f.pythonCheck(tampered).hasPrefix("fail"), "independent checker accepted: \(what)")
        }
        // Unedited but re-serialized: still holds (the edits above are what fails).
        let same = try editedReceipt(issued.stdout) { _ in }
        #expect(try f.checkReceipt(same).status == 0)
    }

    /// A receipt resting on the bank's word alone is refused unless asked
    /// for, when issued and when checked.
    @Test func bankOnlyReceiptsAreRefusedUnlessAskedFor() throws {
        let f = try VerifyFixture()
        let uncosigned = try Tools.run("evchain", ["receipt", f.chain, "--contract", "C2025-0001", "--checkpoint", f.signedOnly],
                                       directory: f.dir.url)
        #expect(uncosigned.status == 1 && uncosigned.stdout.isEmpty, "\(uncosigned.out)")
        #expect(uncosigned.stderr.contains("no cosignature") && uncosigned.stderr.contains("--allow-uncosigned"), "\(uncosigned.stderr)")
        let allowed = try Tools.run("evchain", ["receipt", f.chain, "--contract", "C2025-0001", "--checkpoint", f.signedOnly,
                                                "--allow-uncosigned"], directory: f.dir.url)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try f.checkReceipt(allowed.stdout).status == 1, "an uncosigned receipt passed with a witness required")
        #expect(try f.checkReceipt(allowed.stdout, ["--no-witness", "--accept-bank-index"]).status == 0)

        let cosigned = try f.receipt("C2025-0001")
        // A plain witness's cosignature does not vouch for the index.
        let plain = try f.checkReceipt(cosigned.stdout, ["--witness-key", f.notaryVKey])
        #expect(plain.status == 1, "\(plain.out)")
        #expect(plain.out.contains("--index-witness") && plain.out.contains("bank's own signature"), "\(plain.out)")
        let accepted = try f.checkReceipt(cosigned.stdout, ["--witness-key", f.notaryVKey, "--accept-bank-index"])
        #expect(accepted.status == 0, "\(accepted.out)")
        #expect(accepted.objects.first?["index_rests_on"] != nil)
        #expect((accepted.objects.first?["proves"] as? String)?.contains("rests on the bank's own signature") == true)

        let none = try f.receipt("C2099-0000")
        #expect(none.status == 1 && none.stdout.isEmpty && none.stderr.contains("no entry"), "\(none.out) \(none.stderr)")
    }

    /// Issue 24's done-when: receipts at signing and after a repayment; the
    /// bank later presents the case from a rewritten log, once without the
    /// repayment and once with it edited, checkpointed and cosigned by a
    /// witness that never saw the honest log. Without the receipts the case
    /// passes as before; with them it fails, naming the receipt and the entry.
    @Test func receiptsCatchACaseWithoutOrWithAnEditedRepayment() throws {
        let f = try VerifyFixture()
        let r1 = try f.receipt("C2025-0001")
        try #require(r1.status == 0, "\(r1.stderr)")
        let r1File = try f.dir.write("r1.receipt.json", r1.stdout).path
        // The bank keeps a copy of its log as it was at signing.
        try FileManager.default.createDirectory(at: f.dir.file("at-signing"), withIntermediateDirectories: true)
        try #require(try Tools.runExecutable("/bin/sh", ["-c", "cp -a bank.chain* at-signing/"], directory: f.dir.url).status == 0)
        let sizeAtSigning = try f.chainSize
        let repaid = try f.logRepayment("C2025-0001", name: "repayment-2025-05.json", paid: 1000)
        try f.seal(from: sizeAtSigning)
        let r2 = try f.receipt("C2025-0001")
        try #require(r2.status == 0, "\(r2.stderr)")
        let r2File = try f.dir.write("r2.receipt.json", r2.stdout).path
        let records = try f.records("C2025-0001")
        let receipts = ["--receipts", r1File, "--receipts", r2File]
        func args(_ chain: String, _ checkpoint: String) -> [String] {
            ["--chain", chain, "--checkpoint", checkpoint, "--log-key", f.logVKey, "--index-witness", f.notaryVKey,
             "--records-only", "--complete"]
        }

        // The honest case holds with both receipts, and the certificate says which were checked.
        let honestItems = records + Data("\n".utf8) + repaid
        let honest = try f.evverify(args(f.chain, f.cosigned) + receipts + ["--text"], stdin: honestItems)
        #expect(honest.status == 0, "\(honest.out) \(honest.stderr)")
        #expect(honest.out.contains("receipt \(r2File): OK (contract C2025-0001"), "\(honest.out)")
        let cert = try f.evverify(["certify"] + args(f.chain, f.cosigned) + receipts + ["--issuer-key", f.dir.file("issuer.key").path],
                                  stdin: honestItems)
        #expect(cert.status == 0, "\(cert.stderr)")
        let listed = try JSON.parse(Array(cert.stdout))["verification"]?["receipts"]?.arrayValue ?? []
        #expect(listed.compactMap { $0["file"]?.stringValue } == [r1File, r2File])
        #expect(listed.allSatisfy { $0["result"]?.stringValue == "ok" })
        // The catalogue says which receipts the certificate held its rows' contract against.
        let verdicts = try f.evverify(args(f.chain, f.cosigned) + receipts, stdin: honestItems)
        #expect(verdicts.status == 0, "\(verdicts.stderr)")
        let certFile = try f.dir.write("honest.cert.json", cert.stdout).path
        let catalogue = try Tools.run("evcatalog", ["--certificate", certFile, "--issuer-key", f.issuerVKey, "--log-key", f.logVKey,
                                                    "--index-witness", f.notaryVKey], stdin: verdicts.stdout, directory: f.dir.url)
        #expect(catalogue.status == 0, "\(catalogue.stderr)")
        #expect(!catalogue.objects.isEmpty && catalogue.objects.allSatisfy { ($0["receipts"] as? [String]) == [r1File, r2File] },
                "\(catalogue.out)")

        let cases: [(what: String, logged: Data, items: Data, finding: String)] = [
            ("without the repayment", try f.repayment("C2025-0002", name: "repayment-2025-05.json", paid: 900), records, "withheld"),
            ("with the repayment edited", try f.repayment("C2025-0001", name: "repayment-2025-05.json", paid: 10),
             records + Data("\n".utf8) + (try f.repayment("C2025-0001", name: "repayment-2025-05.json", paid: 10)), "altered"),
        ]
        for (n, c) in cases.enumerated() {
            // The rewritten log: the copy at signing, then another entry where the repayment was.
            let dir = f.dir.file("fork\(n)")
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("state"), withIntermediateDirectories: true)
            try #require(try Tools.runExecutable("/bin/sh", ["-c", "cp -a at-signing/bank.chain* fork\(n)/"], directory: f.dir.url).status == 0)
            let chain = dir.appendingPathComponent("bank.chain").path
            try f.run("evchain", ["append", chain], stdin: c.logged)
            let signed = try f.run("evchain", ["checkpoint", chain, "--key", f.dir.file("log.key").path]).stdout
            let cosigned = try f.run("evchain", ["cosign", "--witness-key", f.dir.file("notary.key").path, "--log-key", f.logVKey,
                                                 "--state", dir.appendingPathComponent("state").path, "--init"], stdin: signed).stdout
            let checkpoint = try f.dir.write("fork\(n)/checkpoint.cosigned", cosigned).path

            let before = try f.evverify(args(chain, checkpoint), stdin: c.items)
            #expect(before.status == 0, "\(c.what), no receipts: \(before.out) \(before.stderr)")
            let with = try f.evverify(args(chain, checkpoint) + receipts, stdin: c.items)
            #expect(with.status == 1, "\(c.what), with receipts: \(with.out) \(with.stderr)")
            let named = with.stderr.split(separator: "\n").filter { $0.contains("receipt \(r2File): entry seq \(sizeAtSigning)") }
            #expect(named.contains { $0.contains(c.finding) }, "\(c.what): \(with.stderr)")
            #expect(!with.stderr.contains("receipt \(r1File)"), "the receipt at signing still holds: \(with.stderr)")
            let refused = try f.evverify(["certify"] + args(chain, checkpoint) + receipts
                                         + ["--issuer-key", f.dir.file("issuer.key").path], stdin: c.items)
            #expect(refused.status == 1 && refused.stdout.isEmpty, "\(c.what): \(refused.stderr)")
            #expect(refused.stderr.contains("receipt \(r2File)"), "\(refused.stderr)")
        }
    }
}
