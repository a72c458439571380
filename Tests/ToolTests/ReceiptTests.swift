import Foundation
import Testing

/// The customer's own receipt (issue 24): `evchain receipt` writes it,
/// `evverify check-receipt` and an independent Python checker, written from
/// the man page, check it; every edit a holder or a bank could make to it
/// fails.
extension VerifyFixture {
    /// A repayment of `contract`, logged as an inline record.
    func logRepayment(_ contract: String, name: String, paid: Int) throws {
        let line = #"{"contract":"\#(contract)","stage":"performance","name":"\#(name)","source":"core-banking","time":"2025-05-16T09:00:00Z","data":{"paid":\#(paid)}}"#
        let record = try run("evhash", [], stdin: Data(line.utf8))
        try run("evchain", ["append", chain], stdin: record.stdout)
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
}
