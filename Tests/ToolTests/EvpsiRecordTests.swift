import EvidenceCrypto
import EvidenceSupport
import Foundation
import Testing

/// `evpsi … --record`: each party logs what each step did, the records go
/// into each party's chain with `evchain append`, and `evchain usage`
/// counts them; no record, message or report holds an item.
@Suite struct EvpsiRecordTests {
    // Distinctive items: a grep for them finds them only in the parties' inputs.
    static let bankItems = ["zq-bank-7731-common", "zq-bank-8842-common", "zq-bank-9953-only"]
    static let commissionItems = ["zq-bank-7731-common", "zq-bank-8842-common", "zq-comm-6620-only"]

    func lines(_ ids: [String]) -> String { ids.map { "{\"id\":\"\($0)\",\"value\":\($0.count)}\n" }.joined() }

    /// One signed intersection, intersection-sum and comparison, every step with --record.
    func runAll(_ s: SignedParties) throws {
        let rec = ["--record", "steps.rec"]
        try s.p.b.write("b.jsonl", lines(Self.bankItems))
        try s.p.a.write("a.jsonl", lines(Self.commissionItems))
        func ok(_ r: ToolResult) { #expect(r.status == 0, "\(r.stderr) \(r.out)") }
        // DH-PSI: B asks, A answers.
        ok(try s.bank(["psi", "request", "--group", "p256", "--purpose", s.purpose, "--state", "b.state", "-o", "req.msg", "b.jsonl"] + rec))
        try s.p.send("req.msg", from: s.p.b, to: s.p.a)
        ok(try s.commission(["psi", "respond", "--group", "p256", "--policy", "policy.json", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"] + rec))
        try s.p.send("resp.msg", from: s.p.a, to: s.p.b)
        let fin = try s.bank(["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"] + rec)
        ok(fin)
        #expect(fin.objects.compactMap { $0["id"] as? String } == ["zq-bank-7731-common", "zq-bank-8842-common"])
        // Intersection-sum: A starts, B (holding the Paillier key) replies.
        ok(try Tools.run("evpsi", ["paillier", "keygen", "--insecure-test-key", "--bits", "512", "-o", "pk"], directory: s.p.b.url))
        ok(try s.commission(["sum", "start", "--group", "p256", "--purpose", s.purpose, "--state", "a.state", "-o", "m1", "a.jsonl"] + rec))
        try s.p.send("m1", from: s.p.a, to: s.p.b)
        ok(try s.bank(["sum", "reply", "--group", "p256", "--policy", "policy.json", "--message", "m1", "--paillier-key", "pk",
                       "--insecure-test-key", "--state", "s.state", "-o", "m2", "b.jsonl"] + rec))
        try s.p.send("m2", from: s.p.b, to: s.p.a)
        ok(try s.commission(["sum", "finish", "--message", "m2", "--state", "a.state", "--insecure-test-key", "-o", "m3"] + rec))
        try s.p.send("m3", from: s.p.a, to: s.p.b)
        let sum = try s.bank(["sum", "result", "--message", "m3", "--state", "s.state", "--paillier-key", "pk", "--insecure-test-key"] + rec)
        ok(sum)
        #expect(sum.objects.first?["sum"] as? Int == 38)
        // Comparison: B asks about two of its rows.
        try s.p.b.write("claims.jsonl", lines(Array(Self.bankItems.prefix(2))))
        ok(try s.bank(["compare", "request", "--op", "ge", "--paillier-key", "pk", "--insecure-test-key", "--bits", "8",
                       "--purpose", s.purpose, "--state", "c.state", "-o", "c1", "claims.jsonl"] + rec))
        try s.p.send("c1", from: s.p.b, to: s.p.a)
        ok(try s.commission(["compare", "respond", "--policy", "policy.json", "--insecure-test-key", "--message", "c1", "-o", "c2", "a.jsonl"] + rec))
        try s.p.send("c2", from: s.p.a, to: s.p.b)
        let cmp = try s.bank(["compare", "result", "--message", "c2", "--state", "c.state", "--paillier-key", "pk", "--insecure-test-key", "claims.jsonl"] + rec)
        ok(cmp)
        #expect(cmp.objects.compactMap { $0["result"] as? Bool } == [true, true])
    }

    func records(_ dir: TemporaryDirectory) throws -> [[String: Any]] {
        try String(contentsOf: dir.file("steps.rec"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// (session, kind, from, count, sha256) of every message a party's records name.
    func messages(_ records: [[String: Any]]) -> Set<String> {
        var out = Set<String>()
        for r in records {
            let c = r["computation"] as! [String: Any]
            for m in (c["sent"] as! [[String: Any]]) + (c["received"] as! [[String: Any]]) {
                out.insert("\(c["session"]!) \(m["kind"]!) \(m["from"]!) \(m["count"]!) \(m["sha256"]!)")
            }
        }
        return out
    }

    /// Body lines of a message, from its trailer's counts.
    func bodyLines(_ dir: TemporaryDirectory, _ name: String) throws -> Int {
        let last = try String(contentsOf: dir.file(name), encoding: .utf8).split(separator: "\n").last!
        let end = (try JSONSerialization.jsonObject(with: Data(last.utf8)) as! [String: Any])["end"] as! [String: Int]
        return end.values.reduce(0, +)
    }

    func chain(_ dir: TemporaryDirectory, origin: String) throws {
        #expect(try Tools.run("evchain", ["init", "chain", "--origin", origin], directory: dir.url).status == 0)
        let r = try Tools.run("evchain", ["append", "chain", "steps.rec"], directory: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func bothPartiesLogEveryStepAndTheUsageReportCountsThem() throws {
        let s = try SignedParties()
        try runAll(s)
        let bank = try records(s.p.b), commission = try records(s.p.a)
        #expect(bank.map { $0["name"] as? String } == ["dh-psi-request", "dh-psi-finish", "intersection-sum-reply",
                                                       "intersection-sum-result", "comparison-request", "comparison-result"])
        #expect(commission.map { $0["name"] as? String } == ["dh-psi-respond", "intersection-sum-start",
                                                             "intersection-sum-finish", "comparison-respond"])
        for r in bank + commission {
            #expect(r["stage"] as? String == "privacy-computing")
            let c = r["computation"] as! [String: Any]
            #expect(r["contract"] as? String == c["session"] as? String)
            #expect(c["purpose"] as? String == s.purpose)
        }
        #expect(bank.allSatisfy { ($0["computation"] as! [String: Any])["signer"] as? String == s.bankKey.split(separator: "+").prefix(2).joined(separator: "+") })
        #expect(bank.allSatisfy { ($0["computation"] as! [String: Any])["peer"] as? String == s.commissionKey.split(separator: "+").prefix(2).joined(separator: "+") })
        // The two views of each session match: the same messages, by digest.
        #expect(messages(bank) == messages(commission))
        #expect(messages(bank).count == 7)
        // Each digest is the message file's own SHA-256.
        for (dir, name) in [(s.p.b, "req.msg"), (s.p.a, "resp.msg"), (s.p.a, "m1"), (s.p.b, "m2"), (s.p.a, "m3"), (s.p.b, "c1"), (s.p.a, "c2")] {
            let digest = Hex.encode(DigestAlgorithm.sha256.hash([UInt8](try Data(contentsOf: dir.file(name)))))
            #expect(messages(bank).contains { $0.hasSuffix(digest) }, "\(name)")
        }

        try chain(s.p.b, origin: "bank.example/log")
        try chain(s.p.a, origin: "commission.example/log")
        // requested: B's 3 items, A's 3 identifiers, B's 2 comparisons;
        // answered: what the responder of each session sent back.
        let answered = try bodyLines(s.p.a, "resp.msg") + bodyLines(s.p.b, "m2") + bodyLines(s.p.a, "c2")
        for (dir, records, peer) in [(s.p.b, 6, s.commissionKey), (s.p.a, 4, s.bankKey)] {
            let r = try Tools.run("evchain", ["usage", "chain"], directory: dir.url)
            #expect(r.status == 0, "\(r.stderr)")
            let peerName = peer.split(separator: "+").prefix(2).joined(separator: "+")
            let month = String(RFC3339.now().prefix(7))
            let counts = "\"sessions\":3,\"records\":\(records),\"requested\":8,\"answered\":\(answered)}"
            #expect(r.lines == ["{\"by\":\"purpose\",\"purpose\":\"\(s.purpose)\",\(counts)",
                                "{\"by\":\"peer\",\"peer\":\"\(peerName)\",\(counts)",
                                "{\"by\":\"month\",\"month\":\"\(month)\",\(counts)"], "\(r.out)")
            let table = try Tools.run("evchain", ["usage", "chain", "--format", "table"], directory: dir.url)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                    == ["BY", "VALUE", "SESSIONS", "RECORDS", "REQUESTED", "ANSWERED"])
            let row = table.lines.first { $0.hasPrefix("purpose  \(s.purpose)") }
            #expect(row?.split(separator: " ").suffix(4).map(String.init) == ["3", String(records), "8", String(answered)], "\(table.out)")
        }
    }

    @Test func noFileAPartySendsOrLogsHoldsAnItem() throws {
        let s = try SignedParties()
        try runAll(s)
        try chain(s.p.b, origin: "bank.example/log")
        try chain(s.p.a, origin: "commission.example/log")
        for dir in [s.p.a, s.p.b] {
            let report = try Tools.run("evchain", ["usage", "chain", "--format", "table"], directory: dir.url)
            _ = try dir.write("usage.txt", report.stdout)
            let json = try Tools.run("evchain", ["usage", "chain"], directory: dir.url)
            _ = try dir.write("usage.jsonl", json.stdout)
            let sentOrLogged = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter {
                !$0.hasSuffix(".jsonl") || $0 == "usage.jsonl"
            }.filter { !$0.hasSuffix(".state") && $0 != "pk" && $0 != "psi.key" && $0 != "policy.json" }
            #expect(sentOrLogged.contains("steps.rec") && sentOrLogged.contains("chain") && sentOrLogged.contains("usage.txt"))
            for name in sentOrLogged {
                let bytes = try Data(contentsOf: dir.file(name))
                for item in Self.bankItems + Self.commissionItems + ["zq-"] {
                    #expect(bytes.range(of: Data(item.utf8)) == nil, "\(name) holds \(item)")
                }
            }
        }
    }

    @Test func aRefusedStepLogsNothing() throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", lines(Self.bankItems))
        try s.p.a.write("a.jsonl", lines(Self.commissionItems))
        let req = try s.bank(["psi", "request", "--group", "p256", "--purpose", "marketing", "--state", "b.state", "-o", "req.msg",
                              "--record", "steps.rec", "b.jsonl"])
        #expect(req.status == 0, "\(req.stderr)")
        try s.p.send("req.msg", from: s.p.b, to: s.p.a)
        let r = try s.commission(["psi", "respond", "--group", "p256", "--policy", "policy.json", "--request", "req.msg",
                                  "-o", "resp.msg", "--record", "steps.rec", "a.jsonl"])
        #expect(r.status == 2 && r.stderr.contains("rule \"purposes\""), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: s.p.a.file("steps.rec").path))
        #expect(!FileManager.default.fileExists(atPath: s.p.a.file("resp.msg").path))
    }

    /// A step whose record cannot be appended leaves no message and no state:
    /// nothing can be sent that its party's log does not account for.
    @Test func aStepWhoseRecordCannotBeWrittenLeavesNoMessage() throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", lines(Self.bankItems))
        let r = try s.bank(["psi", "request", "--group", "p256", "--purpose", s.purpose, "--state", "b.state", "-o", "req.msg",
                            "--record", "missing-dir/steps.rec", "b.jsonl"])
        #expect(r.status == 3, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("missing-dir/steps.rec"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        for name in ["req.msg", "b.state"] {
            #expect(!FileManager.default.fileExists(atPath: s.p.b.file(name).path), "\(name) left behind")
        }
    }

    /// The record is a file of its own: not the message or state the step writes, not standard output.
    @Test(arguments: ["req.msg", "./b.state", "-"])
    func aRecordOnTheStepsOwnOutputIsRefused(record: String) throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", lines(Self.bankItems))
        let r = try s.bank(["psi", "request", "--group", "p256", "--purpose", s.purpose, "--state", "b.state", "-o", "req.msg",
                            "--record", record, "b.jsonl"])
        #expect(r.status == 2, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("--record"), "\(r.stderr)")
        for name in ["req.msg", "b.state", "-"] {
            #expect(!FileManager.default.fileExists(atPath: s.p.b.file(name).path), "\(name) written")
        }
    }

    /// Records edited after the fact, or malformed: the report and `evchain append` refuse them, naming the line.
    @Test(arguments: [
        ("\"count\":3", "\"count\":1", "stdin:2: \"digest\" is not the SHA-256 of the canonical \"computation\": the record was altered"),
        ("\"purpose\":\"", "\"purpose\":\"x", "stdin:2: \"digest\" is not the SHA-256"),
        ("\"computation\":{", "\"computation\":{\"extra\":1,", "stdin:2: unknown field \"computation.extra\""),
        ("\"count\":3", "\"count\":\"3\"", "stdin:2: expected \"computation.sent[].count\" (non-negative integer), found string"),
        ("\"party\":\"b\"", "\"party\":\"c\"", "stdin:2: expected \"computation.party\" (\"a\" or \"b\"), found \"c\""),
        ("\"session\":\"", "\"session\":\"zz", "stdin:2: expected \"computation.session\" (string of 32 lowercase hex digits)"),
    ])
    func anAlteredOrMalformedRecordIsRefused(find: String, replace: String, error: String) throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", lines(Self.bankItems))
        #expect(try s.bank(["psi", "request", "--group", "p256", "--purpose", s.purpose, "--state", "b.state", "-o", "req.msg",
                            "--record", "steps.rec", "b.jsonl"]).status == 0)
        let good = try String(contentsOf: s.p.b.file("steps.rec"), encoding: .utf8)
        #expect(good.contains(find))
        let bad = good + good.replacingOccurrences(of: find, with: replace)
        for (tool, args) in [("evchain", ["usage", "-"]), ("evchain", ["append", "chain", "-"])] {
            if args[0] == "append" { #expect(try Tools.run("evchain", ["init", "chain", "--origin", "o"], directory: s.p.b.url).status == 0) }
            let r = try Tools.run(tool, args, stdin: bad, directory: s.p.b.url)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(error), "\(args): \(r.stderr)")
            #expect(r.out.isEmpty)
        }
    }
}
