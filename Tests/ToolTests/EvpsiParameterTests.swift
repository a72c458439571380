import EvidenceSupport
import EvidenceCrypto
import EvidenceLog
import EvidencePSI
import EvidenceCore
import Foundation
import Testing

/// Parameters that change the answer (key fields, buckets, bucket key, the
/// join of a comparison) travel in the messages and are checked by the
/// peer: a mismatch is a usage error naming the parameter, never a quiet
/// wrong answer.
@Suite struct EvpsiParameterTests {
    func parties(a: String, b: String) throws -> Parties {
        let p = try Parties()
        try p.a.write("a.jsonl", a)
        try p.b.write("b.jsonl", b)
        return p
    }

    /// B requests with `bOptions`, A responds with `aOptions`; returns A's result.
    func respond(_ p: Parties, b bOptions: [String], a aOptions: [String]) throws -> ToolResult {
        let req = try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "req.msg", "b.jsonl"] + bOptions)
        #expect(req.status == 0, "\(req.stderr)")
        try p.send("req.msg", from: p.b, to: p.a)
        return try p.run(p.a, ["psi", "respond", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"] + aOptions)
    }

    static let people = (1...5).map { "{\"id\":\"p\($0)\",\"name\":\"n\($0)\"}\n" }.joined()

    @Test func keyFieldOrderMismatchIsRefused() throws {
        let p = try parties(a: Self.people, b: Self.people)
        let r = try respond(p, b: ["--key", "id,name"], a: ["--key", "name,id"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: req.msg:1: "), "\(r.stderr)")
        #expect(r.stderr.contains("--key"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.a.file("resp.msg").path))
    }

    @Test func bucketCountMismatchIsRefused() throws {
        let p = try parties(a: Self.people, b: Self.people)
        let r = try respond(p, b: ["--buckets", "2", "--bucket", "0"], a: ["--buckets", "3", "--bucket", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--buckets"), "\(r.stderr)")
        let q = try parties(a: Self.people, b: Self.people)
        let r2 = try respond(q, b: ["--buckets", "2", "--bucket", "0"], a: ["--buckets", "2", "--bucket", "1"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("--bucket "), "\(r2.stderr)")
    }

    @Test func bucketKeyMismatchIsRefused() throws {
        let p = try parties(a: Self.people, b: Self.people)
        try p.a.write("bk", String(repeating: "11", count: 32) + "\n")
        try p.b.write("bk", String(repeating: "22", count: 32) + "\n")
        for d in [p.a, p.b] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: d.file("bk").path)
        }
        let opts = ["--buckets", "2", "--bucket", "0", "--bucket-key", "bk"]
        let r = try respond(p, b: opts, a: opts)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--bucket-key"), "\(r.stderr)")
        // The message names the key only by a keyed check value, never the key itself.
        let request = try String(contentsOf: p.a.file("req.msg"), encoding: .utf8)
        #expect(!request.contains(String(repeating: "22", count: 32)))
    }

    @Test func versionOneMessageIsRefused() throws {
        // An older version (2: unsigned) is refused, as version 1 (no parameters) was.
        let p = try parties(a: Self.people, b: Self.people)
        #expect(try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "req.msg", "b.jsonl"]).status == 0)
        try p.send("req.msg", from: p.b, to: p.a)
        try rewrite(p.a.file("req.msg")) { lines in
            lines[0] = lines[0].replacingOccurrences(of: "\"version\":3", with: "\"version\":2")
        }
        let r = try p.run(p.a, ["psi", "respond", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("req.msg:1: unsupported message version"), "\(r.stderr)")
    }

    @Test func bucketsWithoutBucketIsAUsageError() throws {
        let p = try parties(a: Self.people, b: Self.people)
        let r = try p.run(p.b, ["psi", "request", "--buckets", "4", "--state", "s", "-o", "q", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--bucket"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.b.file("q").path))
        #expect(!FileManager.default.fileExists(atPath: p.b.file("s").path))
    }

    @Test func sumKeyFieldMismatchIsRefused() throws {
        let p = try parties(a: Self.people, b: (1...5).map { "{\"id\":\"p\($0)\",\"name\":\"n\($0)\",\"value\":1}\n" }.joined())
        #expect(try p.run(p.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        #expect(try p.run(p.a, ["sum", "start", "--key", "id", "--state", "a.state", "-o", "m1", "a.jsonl"]).status == 0)
        try p.send("m1", from: p.a, to: p.b)
        let r = try p.run(p.b, ["sum", "reply", "--key", "name", "--message", "m1", "--paillier-key", "key.json",
                                "--insecure-test-key", "--state", "b.state", "-o", "m2", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("m1:1: ") && r.stderr.contains("--key"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.b.file("m2").path))
        #expect(!FileManager.default.fileExists(atPath: p.b.file("b.state").path))
    }
}

/// Comparisons pair B's and A's rows by a join key, never by line order.
@Suite struct EvpsiCompareJoinTests {
    func compare(a: String, b: String, aOptions: [String] = [], bOptions: [String] = []) throws -> (ToolResult, Parties) {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        try p.a.write("a.jsonl", a)
        try p.b.write("b.jsonl", b)
        let req = try p.run(p.b, ["compare", "request", "--op", "ge", "--bits", "16", "--paillier-key", "key.json",
                                  "--insecure-test-key", "--state", "b.state", "-o", "c1", "b.jsonl"] + bOptions)
        #expect(req.status == 0, "\(req.stderr)")
        try p.send("c1", from: p.b, to: p.a)
        let resp = try p.run(p.a, ["compare", "respond", "--insecure-test-key", "--message", "c1", "-o", "c2", "a.jsonl"] + aOptions)
        guard resp.status == 0 else { return (resp, p) }
        try p.send("c2", from: p.a, to: p.b)
        let res = try p.run(p.b, ["compare", "result", "--message", "c2", "--state", "b.state", "--paillier-key", "key.json",
                                  "--insecure-test-key", "b.jsonl"])
        return (res, p)
    }

    @Test func shuffledRowsArePairedByJoinKey() throws {
        // A's claims: C1 100, C2 5, C3 50. B's values: C1 10, C2 10, C3 60. A ≥ B: true, false, false.
        let b = "{\"contract\":\"C1\",\"value\":10}\n{\"contract\":\"C2\",\"value\":10}\n{\"contract\":\"C3\",\"value\":60}\n"
        let a = "{\"contract\":\"C3\",\"value\":50}\n{\"contract\":\"C1\",\"value\":100}\n{\"contract\":\"C2\",\"value\":5}\n"
        let (r, _) = try compare(a: a, b: b, aOptions: ["--join", "contract"], bOptions: ["--join", "contract"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.map { $0["contract"] as? String } == ["C1", "C2", "C3"])
        #expect(r.objects.map { $0["result"] as? Bool } == [true, false, false])
    }

    @Test func joinFieldMismatchIsRefused() throws {
        let rows = "{\"id\":\"x\",\"contract\":\"C1\",\"value\":1}\n"
        let (r, p) = try compare(a: rows, b: rows, aOptions: ["--join", "id"], bOptions: ["--join", "contract"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("c1:1: ") && r.stderr.contains("--join"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.a.file("c2").path))
    }

    @Test func rowMissingOnOneSideIsRefused() throws {
        let b = "{\"id\":\"C1\",\"value\":1}\n{\"id\":\"C9\",\"value\":1}\n"
        let a = "{\"id\":\"C1\",\"value\":1}\n{\"id\":\"C2\",\"value\":1}\n"
        let (r, _) = try compare(a: a, b: b)
        #expect(r.status == 2)
        #expect(r.stderr.contains("c1:3: "), "\(r.stderr)")
        // Two of B's rows with one key: B cannot tell which answer is whose.
        let q = try Parties()
        #expect(try q.run(q.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        try q.b.write("b.jsonl", "{\"id\":\"C1\",\"value\":1}\n{\"id\":\"C1\",\"value\":2}\n")
        let dup = try q.run(q.b, ["compare", "request", "--paillier-key", "key.json", "--insecure-test-key",
                                  "--state", "s", "-o", "c1", "b.jsonl"])
        #expect(dup.status == 2)
        #expect(dup.stderr.contains("b.jsonl:2: duplicate --join key"), "\(dup.stderr)")
        #expect(!FileManager.default.fileExists(atPath: q.b.file("c1").path))
    }
}

/// State files are authenticated, bound to their session and step, and
/// written like key files.
@Suite struct EvpsiStateFileTests {
    /// Flips one hex digit of the secret, keeping the file's mode.
    func flipSecret(_ url: URL) throws {
        var text = try String(contentsOf: url, encoding: .utf8)
        let marker = text.range(of: "\"secret\":\"")!
        let i = text.index(marker.upperBound, offsetBy: 20)
        text.replaceSubrange(i...i, with: text[i] == "1" ? "2" : "1")
        try Data(text.utf8).write(to: url)
    }

    @Test func flippedSecretInPSIStateIsRefused() throws {
        let (ok, p) = try psi(a: ["x1", "x2", "x3"], b: ["x2", "x3", "x4"])
        #expect(ok.status == 0)
        try flipSecret(p.b.file("b.state"))
        let r = try p.run(p.b, ["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: b.state: "), "\(r.stderr)")
        #expect(r.stderr.contains("damaged") || r.stderr.contains("altered"), "\(r.stderr)")
        #expect(r.out.isEmpty)
    }

    @Test func flippedSecretInSumStateIsRefused() throws {
        let p = try Parties()
        try p.a.write("a.jsonl", p.items(["s1", "s2"]))
        try p.b.write("b.jsonl", "{\"id\":\"s2\",\"value\":5}\n")
        #expect(try p.run(p.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        #expect(try p.run(p.a, ["sum", "start", "--state", "a.state", "-o", "m1", "a.jsonl"]).status == 0)
        try p.send("m1", from: p.a, to: p.b)
        #expect(try p.run(p.b, ["sum", "reply", "--message", "m1", "--paillier-key", "key.json", "--insecure-test-key",
                                "--state", "b.state", "-o", "m2", "b.jsonl"]).status == 0)
        try p.send("m2", from: p.b, to: p.a)
        try flipSecret(p.a.file("a.state"))
        let r = try p.run(p.a, ["sum", "finish", "--insecure-test-key", "--message", "m2", "--state", "a.state", "-o", "m3"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: a.state: "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.a.file("m3").path))
        // B's state of the sum (another step) is no state for A's finish.
        try FileManager.default.copyItem(at: p.b.file("b.state"), to: p.a.file("b.state"))
        let r2 = try p.run(p.a, ["sum", "finish", "--insecure-test-key", "--message", "m2", "--state", "b.state", "-o", "m3"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("evpsi: b.state: "), "\(r2.stderr)")
    }

    @Test func stateSameAsMessageIsRefused() throws {
        let p = try Parties()
        try p.b.write("b.jsonl", p.items(["x"]))
        let r = try p.run(p.b, ["psi", "request", "--state", "same", "-o", "same", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--state"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.b.file("same").path))
        let r2 = try p.run(p.b, ["psi", "request", "--state", "./same", "-o", "same", "b.jsonl"])
        #expect(r2.status == 2)
    }

    @Test func existingStateIsNeverOverwritten() throws {
        let p = try Parties()
        try p.b.write("b.jsonl", p.items(["x"]))
        #expect(try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "q1", "b.jsonl"]).status == 0)
        let before = try Data(contentsOf: p.b.file("b.state"))
        let r = try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "q2", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("b.state"), "\(r.stderr)")
        #expect(try Data(contentsOf: p.b.file("b.state")) == before)
        #expect(!FileManager.default.fileExists(atPath: p.b.file("q2").path))
        // Nothing half-written is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: p.b.url.path).sorted() == ["b.jsonl", "b.state", "q1"])
    }

    @Test func stateIsNotWrittenThroughASymlink() throws {
        let p = try Parties()
        try p.b.write("b.jsonl", p.items(["x"]))
        try FileManager.default.createSymbolicLink(atPath: p.b.file("b.state").path, withDestinationPath: p.b.file("elsewhere").path)
        let r = try p.run(p.b, ["psi", "request", "--state", "b.state", "-o", "q", "b.jsonl"])
        #expect(r.status != 0)
        #expect(!FileManager.default.fileExists(atPath: p.b.file("elsewhere").path))
        #expect(!FileManager.default.fileExists(atPath: p.b.file("q").path))
    }
}

/// Numbers beyond 2^53 are refused where they are items or values: a JSON
/// number parsed as a double would silently round them.
@Suite struct EvpsiLargeNumberTests {
    @Test func largeNumericKeyIsRefused() throws {
        let p = try Parties()
        try p.b.write("b.jsonl", "{\"idno\":\"x\"}\n{\"idno\":110101199003077778}\n")
        let r = try p.run(p.b, ["psi", "request", "--key", "idno", "--state", "s", "-o", "q", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("evpsi: b.jsonl:2: "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.b.file("q").path))
        #expect(!FileManager.default.fileExists(atPath: p.b.file("s").path))
        // Nested inside an array key value too; and fractions are not exact keys either.
        try p.b.write("c.jsonl", "{\"idno\":[1,9007199254740993]}\n")
        #expect(try p.run(p.b, ["psi", "request", "--key", "idno", "--state", "s", "-o", "q", "c.jsonl"]).status == 2)
        try p.b.write("d.jsonl", "{\"idno\":0.1}\n")
        #expect(try p.run(p.b, ["psi", "request", "--key", "idno", "--state", "s", "-o", "q", "d.jsonl"]).status == 2)
        // Safe integers stay usable.
        try p.b.write("e.jsonl", "{\"idno\":9007199254740991}\n")
        #expect(try p.run(p.b, ["psi", "request", "--key", "idno", "--state", "s", "-o", "q", "e.jsonl"]).status == 0)
    }

    @Test func largeNumericValueIsRefused() throws {
        let d = try TemporaryDirectory()
        #expect(try Tools.run("evpsi", ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "k"], directory: d.url).status == 0)
        let r = try Tools.run("evpsi", ["paillier", "encrypt", "--insecure-test-key", "--key", "k"],
                              stdin: "{\"value\":1}\n{\"value\":9007199254740993}\n", directory: d.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("stdin:2: "), "\(r.stderr)")
        // As a decimal string it is read exactly.
        let s = try Tools.run("evpsi", ["paillier", "encrypt", "--insecure-test-key", "--key", "k"],
                              stdin: "{\"value\":\"9007199254740993\"}\n", directory: d.url)
        #expect(s.status == 0, "\(s.stderr)")
        let back = try Tools.run("evpsi", ["paillier", "decrypt", "--insecure-test-key", "--key", "k"], stdin: s.out, directory: d.url)
        #expect(back.objects.first?["value"] as? String == "9007199254740993")
    }
}

/// Every numeric option is bounded: a usage error (exit 2), never a crash or a runaway.
@Suite struct EvpsiBoundsTests {
    @Test(arguments: [
        ["paillier", "keygen", "--bits", "9223372036854775806", "-o", "k"],
        ["paillier", "keygen", "--bits", "16384", "-o", "k"],
        ["paillier", "keygen", "--bits", "-4", "--insecure-test-key", "-o", "k"],
        ["paillier", "keygen", "--bits", "9223372036854775806", "--insecure-test-key", "-o", "k"],
        ["psi", "request", "--buckets", "0", "--state", "s", "-o", "q", "b.jsonl"],
        ["psi", "request", "--buckets", "-3", "--bucket", "0", "--state", "s", "-o", "q", "b.jsonl"],
        ["psi", "request", "--buckets", "9223372036854775807", "--bucket", "0", "--state", "s", "-o", "q", "b.jsonl"],
        ["psi", "request", "--buckets", "2", "--bucket", "-1", "--state", "s", "-o", "q", "b.jsonl"],
        ["psi", "request", "--buckets", "2", "--bucket", "2", "--state", "s", "-o", "q", "b.jsonl"],
        ["compare", "request", "--bits", "100000", "--paillier-key", "key", "--state", "s", "-o", "q", "b.jsonl"],
        ["compare", "request", "--bits", "-1", "--paillier-key", "key", "--state", "s", "-o", "q", "b.jsonl"],
    ])
    func numericOptionOutOfRangeIsAUsageError(arguments: [String]) throws {
        let d = try TemporaryDirectory()
        try d.write("b.jsonl", "{\"id\":\"x\",\"value\":1}\n")
        let r = try Tools.run("evpsi", arguments, directory: d.url)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("evpsi: "), "\(r.stderr)")
        for f in ["k", "q", "s"] { #expect(!FileManager.default.fileExists(atPath: d.file(f).path)) }
    }

    @Test func peerPaillierModulusInAMessageIsBounded() throws {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", "{\"id\":\"C1\",\"value\":1}\n")
        try p.a.write("a.jsonl", "{\"id\":\"C1\",\"value\":1}\n")
        #expect(try p.run(p.b, ["compare", "request", "--op", "eq", "--paillier-key", "key.json", "--insecure-test-key",
                                "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        let huge = Base64URL.encode((BigInt.one.shiftedLeft(8199) + BigInt(12345)).bigEndianBytes)
        try rewrite(p.a.file("c1")) { lines in
            var header = try! JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
            var key = header["paillier"] as! [String: Any]
            key["n"] = huge
            header["paillier"] = key
            lines[0] = String(decoding: try! JSONSerialization.data(withJSONObject: header), as: UTF8.self)
        }
        let r = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("c1:1: paillier key of 8200 bits refused: at most 8192"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.a.file("c2").path))
    }

    @Test func peerPaillierModulusIsBounded() throws {
        let d = try TemporaryDirectory()
        // An odd 8200-bit modulus: larger than any key evpsi makes or accepts.
        let n = BigInt.one.shiftedLeft(8199) + BigInt(12345)
        let jwk = "{\"kty\":\"DAJ\",\"alg\":\"PAI-GN1\",\"key_ops\":[\"encrypt\"],\"n\":\"\(Base64URL.encode(n.bigEndianBytes))\",\"kid\":\"x\"}\n"
        try d.write("pub.json", jwk)
        let r = try Tools.run("evpsi", ["paillier", "encrypt", "--public", "pub.json"], stdin: "{\"value\":1}\n", directory: d.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("8192"), "\(r.stderr)")
    }
}
