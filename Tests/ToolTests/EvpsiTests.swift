import EvidenceSupport
import EvidenceCrypto
import EvidenceLog
import EvidencePSI
import EvidenceCore
import Foundation
import Testing

/// Two directories standing for the two parties; messages are copied
/// between them as a transport would.
final class Parties {
    let a: TemporaryDirectory
    let b: TemporaryDirectory
    init() throws { a = try TemporaryDirectory(); b = try TemporaryDirectory() }

    func items(_ ids: [String], extra: (String) -> String = { _ in "" }) -> String {
        ids.map { "{\"id\":\"\($0)\"\(extra($0))}\n" }.joined()
    }

    /// Copies `name` from one party's directory to the other's.
    func send(_ name: String, from: TemporaryDirectory, to: TemporaryDirectory) throws {
        try FileManager.default.copyItem(at: from.file(name), to: to.file(name))
    }

    @discardableResult
    func run(_ dir: TemporaryDirectory, _ args: [String], stdin: String = "") throws -> ToolResult {
        let r = try Tools.run("evpsi", unsignedForTests(args), stdin: stdin, directory: dir.url)
        return r
    }
}

func psi(a: [String], b: [String], mode: [String] = [], group: String = "ffdhe2048") throws -> (ToolResult, Parties) {
    let p = try Parties()
    try p.a.write("a.jsonl", p.items(a, extra: { ",\"amount\":\($0.count)" }))
    try p.b.write("b.jsonl", p.items(b))
    let req = try p.run(p.b, ["psi", "request", "--group", group, "--state", "b.state", "-o", "req.msg", "b.jsonl"] + mode)
    #expect(req.status == 0, "\(req.stderr)")
    try p.send("req.msg", from: p.b, to: p.a)
    var respondMode = mode
    if mode.contains("--labels") { respondMode += ["--label", "amount"] }
    let resp = try p.run(p.a, ["psi", "respond", "--group", group, "--request", "req.msg", "-o", "resp.msg", "a.jsonl"] + respondMode)
    #expect(resp.status == 0, "\(resp.stderr)")
    #expect(resp.objects.first?["peer_count"] as? Int == b.count)
    try p.send("resp.msg", from: p.a, to: p.b)
    let fin = try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
    return (fin, p)
}

func randomSet(_ n: Int, universe: Int) -> [String] {
    (0..<n).map { _ in "C2025-\(Int.random(in: 0..<universe))" }
}

@Suite struct EvpsiTests {
    static let cases: [(String, [String], [String])] = [
        ("empty A", [], ["x", "y"]),
        ("empty B", ["x", "y"], []),
        ("both empty", [], []),
        ("disjoint", ["a1", "a2", "a3"], ["b1", "b2"]),
        ("identical", ["s1", "s2", "s3", "s4"], ["s4", "s3", "s2", "s1"]),
        ("duplicates", ["d1", "d1", "d2"], ["d2", "d1", "d2", "d3"]),
        ("unicode", ["合同-1", "合同-2"], ["合同-2", "契约"]),
        ("random", randomSet(40, universe: 60), randomSet(30, universe: 60)),
    ]

    @Test(arguments: 0..<cases.count)
    func intersectionMatchesPlainComputation(index: Int) throws {
        let (_, a, b) = Self.cases[index]
        let (fin, _) = try psi(a: a, b: b)
        #expect(fin.status == 0, "\(fin.stderr)")
        let expected = b.filter { Set(a).contains($0) }      // B's lines, in B's order, duplicates kept
        #expect(fin.objects.map { $0["id"] as? String } == expected)
    }

    @Test func cardinalityOnlyCountsAndHidesOrder() throws {
        let a = randomSet(30, universe: 40), b = randomSet(25, universe: 40)
        let (fin, p) = try psi(a: a, b: b, mode: ["--cardinality-only"])
        #expect(fin.status == 0, "\(fin.stderr)")
        let expected = b.filter { Set(a).contains($0) }.count
        #expect(fin.objects.count == 1)
        #expect(fin.objects.first?["cardinality"] as? Int == expected)
        #expect(fin.objects.first?["peer_count"] as? Int == a.count)
        // The answers B receives are sorted, so their order carries nothing of B's input order.
        let answers = try String(contentsOf: p.b.file("resp.msg"), encoding: .utf8)
            .split(separator: "\n").compactMap { line -> [UInt8]? in
                guard line.hasPrefix("{\"r\":") else { return nil }
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
                return [UInt8](Data(base64Encoded: o["r"]!)!)
            }
        #expect(answers.count == b.count)
        #expect(answers == answers.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func labelsCarryAssociatedData() throws {
        let a = ["L1", "L2", "L3", "long-identifier-4"], b = ["L3", "zz", "long-identifier-4"]
        let (fin, _) = try psi(a: a, b: b, mode: ["--labels"])
        #expect(fin.status == 0, "\(fin.stderr)")
        #expect(fin.objects.map { $0["id"] as? String } == ["L3", "long-identifier-4"])
        #expect(fin.objects.map { $0["label"] as? Int } == [2, 17])
    }

    @Test func otherGroups() throws {
        for group in ["ffdhe3072", "modp2048", "p256"] {
            let (fin, _) = try psi(a: ["g1", "g2"], b: ["g2", "g3"], group: group)
            #expect(fin.status == 0, "\(fin.stderr)")
            #expect(fin.objects.map { $0["id"] as? String } == ["g2"])
        }
    }

    @Test func bucketsPartitionTheIntersection() throws {
        let a = randomSet(30, universe: 40), b = randomSet(30, universe: 40)
        let p = try Parties()
        try p.a.write("a.jsonl", p.items(a))
        try p.b.write("b.jsonl", p.items(b))
        var found: [String] = []
        for bucket in 0..<3 {
            let opts = ["--buckets", "3", "--bucket", String(bucket)]
            #expect(try p.run(p.b, ["psi", "request", "--state", "s\(bucket)", "-o", "q\(bucket)", "b.jsonl"] + opts).status == 0)
            try p.send("q\(bucket)", from: p.b, to: p.a)
            #expect(try p.run(p.a, ["psi", "respond", "--request", "q\(bucket)", "-o", "r\(bucket)", "a.jsonl"] + opts).status == 0)
            try p.send("r\(bucket)", from: p.a, to: p.b)
            let fin = try p.run(p.b, ["psi", "finish", "--response", "r\(bucket)", "--state", "s\(bucket)", "b.jsonl"] + opts)
            #expect(fin.status == 0, "\(fin.stderr)")
            found += fin.objects.compactMap { $0["id"] as? String }
        }
        #expect(found.sorted() == b.filter { Set(a).contains($0) }.sorted())
    }

    @Test func stateFileIsPrivate() throws {
        let (_, p) = try psi(a: ["a"], b: ["a"])
        let attributes = try FileManager.default.attributesOfItem(atPath: p.b.file("b.state").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A group-readable state is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: p.b.file("b.state").path)
        let r = try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("run chmod 600"))
    }
}

/// Rewrites a message's lines with `edit` and recomputes its trailer digest,
/// so that only the semantic checks can catch the change.
func rewrite(_ url: URL, fixDigest: Bool = true, _ edit: (inout [String]) -> Void) throws {
    var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    edit(&lines)
    if fixDigest, let last = lines.last, last.hasPrefix("{\"end\"") {
        let body = lines.dropLast().map { $0 + "\n" }.joined()
        let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array(body.utf8)))
        var end = try JSONSerialization.jsonObject(with: Data(last.utf8)) as! [String: Any]
        end["sha256"] = digest
        lines[lines.count - 1] = String(decoding: try JSONSerialization.data(withJSONObject: end), as: UTF8.self)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
}

@Suite struct EvpsiBadMessageTests {
    /// Runs B's request and returns the parties with req.msg already at A.
    func requested(_ b: [String] = ["b1", "b2", "b3"]) throws -> Parties {
        let p = try Parties()
        try p.a.write("a.jsonl", p.items(["b1", "a2"]))
        try p.b.write("b.jsonl", p.items(b))
        #expect(try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "req.msg", "b.jsonl"]).status == 0)
        try p.send("req.msg", from: p.b, to: p.a)
        return p
    }

    func respond(_ p: Parties) throws -> ToolResult {
        try p.run(p.a, ["psi", "respond", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"])
    }

    /// A step whose message cannot be written (here `-o` names a
    /// directory) leaves no state behind, so the retry with the same
    /// `--state` runs (issue 20: the state stayed and the retry was refused).
    @Test(arguments: [["psi", "request"], ["sum", "start"]])
    func aMessageThatCannotBeWrittenTakesItsStateWithIt(step: [String]) throws {
        let p = try Parties()
        try p.b.write("b.jsonl", p.items(["b1", "b2"], extra: { _ in ",\"amount\":1" }))
        try FileManager.default.createDirectory(at: p.b.file("outdir"), withIntermediateDirectories: false)
        let failed = try p.run(p.b, step + ["--state", "b.state", "-o", "outdir", "b.jsonl"])
        #expect(failed.status == 3, "\(failed.status) \(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.b.file("b.state").path), "the state of a step that failed stayed")
        let retry = try p.run(p.b, step + ["--state", "b.state", "-o", "req.msg", "b.jsonl"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(FileManager.default.fileExists(atPath: p.b.file("b.state").path))
    }

    @Test func tamperedElementIsRefused() throws {
        let p = try requested()
        try rewrite(p.a.file("req.msg"), fixDigest: false) { lines in
            var chars = Array(lines[1]); chars[10] = chars[10] == "A" ? "B" : "A"; lines[1] = String(chars)
        }
        let r = try respond(p)
        #expect(r.status == 2)
        #expect(r.stderr.contains("req.msg:5: message digest mismatch"))
        #expect(!FileManager.default.fileExists(atPath: p.a.file("resp.msg").path))
    }

    @Test func truncatedMessageIsRefused() throws {
        let p = try requested()
        try rewrite(p.a.file("req.msg"), fixDigest: false) { $0.removeLast() }
        let r = try respond(p)
        #expect(r.status == 2)
        #expect(r.stderr.contains("truncated message"))
        let q = try requested()
        try rewrite(q.a.file("req.msg")) { $0.remove(at: 2) }
        let r2 = try respond(q)
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("truncated or altered message"))
    }

    @Test(arguments: ["one", "nonresidue", "short", "p"])
    func outOfGroupElementIsRefused(kind: String) throws {
        let p = try requested()
        let group = ModPGroup.ffdhe2048
        let bad: [UInt8]
        switch kind {
        case "one": bad = BigInt.one.bigEndianBytes(length: 256)!
        case "nonresidue":
            var x = BigInt(5)
            while x.jacobi(group.p) != -1 { x = x + 1 }
            bad = x.bigEndianBytes(length: 256)!
        case "short": bad = [1, 2, 3]
        default: bad = group.p.bigEndianBytes(length: 256)!
        }
        try rewrite(p.a.file("req.msg")) { lines in
            lines[2] = "{\"q\":\"\(Data(bad).base64EncodedString())\"}"
        }
        let r = try respond(p)
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: req.msg:3: "), "\(r.stderr)")
        #expect(r.stderr.contains(kind == "short" ? "expected base64 of 256 bytes" : "not an element of group ffdhe2048"), "\(r.stderr)")
    }

    @Test func responseFromAnotherSessionIsRefused() throws {
        let p = try requested()
        #expect(try respond(p).status == 0)
        try p.send("resp.msg", from: p.a, to: p.b)
        // B starts over (a state is never overwritten, so B removes the old one):
        // the old response belongs to another session.
        try FileManager.default.removeItem(at: p.b.file("b.state"))
        #expect(try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "req2.msg", "b.jsonl"]).status == 0)
        let r = try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("resp.msg:1: message belongs to session"))
    }

    @Test func wrongRoleAndKindAreRefused() throws {
        let p = try requested()
        // B's own request given back to B as if it were a response.
        let r = try p.run(p.b, ["psi", "finish", "--response", "req.msg", "--state", "b.state", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("req.msg:1: message is a psi-request, expected psi-response"))
        try rewrite(p.a.file("req.msg")) { lines in
            lines[0] = lines[0].replacingOccurrences(of: "\"from\":\"b\"", with: "\"from\":\"a\"")
        }
        let r2 = try respond(p)
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("message comes from party a, expected party b"))
    }

    @Test func groupMismatchAndChangedInputAreRefused() throws {
        let p = try requested()
        let r = try p.run(p.a, ["psi", "respond", "--group", "ffdhe3072", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("uses group ffdhe2048"))
        #expect(try respond(p).status == 0)
        try p.send("resp.msg", from: p.a, to: p.b)
        try p.b.write("other.jsonl", p.items(["b1", "b2", "b4"]))
        let r2 = try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "other.jsonl"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("input differs"))
    }

    @Test func badItemLineNamesTheLine() throws {
        let p = try Parties()
        try p.b.write("b.jsonl", "{\"id\":\"x\"}\n{\"name\":\"y\"}\n")
        let r = try p.run(p.b, ["psi", "request", "--state", "s", "-o", "q", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: b.jsonl:2: expected \"id\""))
        #expect(!FileManager.default.fileExists(atPath: p.b.file("q").path))
    }
}

@Suite struct EvpsiP256Tests {
    @Test func p256IntersectionCardinalityAndLabels() throws {
        let a = randomSet(50, universe: 70), b = randomSet(40, universe: 70)
        let expected = b.filter { Set(a).contains($0) }
        let (fin, _) = try psi(a: a, b: b, group: "p256")
        #expect(fin.objects.map { $0["id"] as? String } == expected)
        let (card, _) = try psi(a: a, b: b, mode: ["--cardinality-only"], group: "p256")
        #expect(card.objects.first?["cardinality"] as? Int == expected.count)
        let (lab, _) = try psi(a: a, b: b, mode: ["--labels"], group: "p256")
        #expect(lab.objects.map { $0["label"] as? Int ?? ($0["labels"] as? [Int])?.first } == expected.map { $0.count })
    }
}

extension EvpsiP256Tests {
    /// Inputs larger than one chunk (2048): order is kept across chunks and
    /// the pipelined steps, and an error deep in a message names its line.
    @Test func inputsSpanningSeveralChunks() throws {
        let a = (0..<3000).map { "big-\($0 * 3)" }
        let b = (0..<5000).map { "big-\($0 * 2)" }.shuffled()
        let (fin, p) = try psi(a: a, b: b, group: "p256")
        #expect(fin.status == 0, "\(fin.stderr)")
        #expect(fin.objects.map { $0["id"] as? String } == b.filter { Set(a).contains($0) })
        // Break element 4500 of the request (line 4501): the responder names that line.
        try rewrite(p.a.file("req.msg")) { lines in lines[4501] = "{\"q\":\"\(Data([0x02] + [UInt8](repeating: 0xff, count: 32)).base64EncodedString())\"}" }
        let r = try p.run(p.a, ["psi", "respond", "--group", "p256", "--request", "req.msg", "-o", "again.msg", "a.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: req.msg:4502: value is not an element of group p256"), "\(r.stderr)")
    }
}

/// Answers no honest peer can send (issue 23): A copies answers between `r`
/// lines and fixes the digest (as a peer re-signing its own message can).
/// Distinct request elements have distinct honest answers and equal ones
/// equal answers; B refuses anything else (exit 2, naming the rule) instead
/// of reporting items A never held.
@Suite struct EvpsiDishonestAnswerTests {
    /// Every `r` line of the response replaced by `pick(lines of r)`.
    func forge(_ p: Parties, _ pick: ([String]) -> [String]) throws {
        try rewrite(p.b.file("resp.msg")) { lines in
            let indices = lines.indices.filter { lines[$0].hasPrefix("{\"r\":") }
            let forged = pick(indices.map { lines[$0] })
            for (i, line) in zip(indices, forged) { lines[i] = line }
        }
    }

    func finish(_ p: Parties) throws -> ToolResult {
        try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
    }

    @Test func oneAnswerCopiedOntoEveryLineIsRefused() throws {
        let (honest, p) = try psi(a: ["x1", "a2"], b: ["x1", "y1", "y2", "y3"])
        #expect(honest.status == 0 && honest.objects.count == 1, "\(honest.stderr)")
        try forge(p) { r in Array(repeating: r[0], count: r.count) }
        let r = try finish(p)
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("distinct-answers"), "\(r.stderr)")
    }

    /// B's duplicate lines get equal answers: moving an answer from one copy
    /// of an item to a different item keeps the number of distinct answers
    /// but not the pattern.
    @Test func answersThatDoNotFollowTheRequestsPatternAreRefused() throws {
        let (honest, p) = try psi(a: ["d2"], b: ["d1", "d1", "d2"])
        #expect(honest.status == 0 && honest.objects.count == 1, "\(honest.stderr)")
        try forge(p) { r in [r[0], r[2], r[2]] }
        let r = try finish(p)
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stderr.contains("distinct-answers"), "\(r.stderr)")
    }

    /// With `--cardinality-only` the answers are sorted, so the peer copies
    /// each one in turn: whichever matches would count every line of B.
    @Test func cardinalityAboveThePeersSetIsRefused() throws {
        let (honest, p) = try psi(a: ["x1", "x2"], b: ["x1", "y1", "y2", "y3"], mode: ["--cardinality-only"])
        #expect(honest.status == 0 && honest.objects.first?["cardinality"] as? Int == 1, "\(honest.stderr)")
        let original = try Data(contentsOf: p.b.file("resp.msg"))
        for k in 0..<4 {
            try original.write(to: p.b.file("resp.msg"))
            try forge(p) { r in Array(repeating: r[k], count: r.count) }
            let r = try finish(p)
            #expect(r.status == 2, "copy of answer \(k): \(r.stdout)")
            #expect(r.stderr.contains("distinct-answers"), "\(r.stderr)")
        }
    }

    @Test func oneLabelOnEveryItemIsRefused() throws {
        let (honest, p) = try psi(a: ["x1", "x2"], b: ["x1", "y1", "y2"], mode: ["--labels"])
        #expect(honest.status == 0 && honest.objects.count == 1, "\(honest.stderr)")
        try forge(p) { r in Array(repeating: r[0], count: r.count) }
        let r = try finish(p)
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stderr.contains("distinct-answers"), "\(r.stderr)")
    }
}
