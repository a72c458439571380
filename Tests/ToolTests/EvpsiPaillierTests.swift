import Foundation
import PythonHelpers
import EvidenceCrypto
import EvidencePSI
import EvidenceSupport
import Testing

let pheScript: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/phe_interop.py").path

func phe(_ args: [String], stdin: String = "", in dir: TemporaryDirectory) throws -> ToolResult {
    let r = try Tools.runPython([pheScript] + args, requires: ["phe"], stdin: Data(stdin.utf8), directory: dir.url)
    #expect(r.status == 0, "phe_interop.py failed: \(r.stderr)")
    return r
}

@Suite struct EvpsiPaillierTests {
    let values = [0, 1, -1, 42, -9_007_199_254_740_991, 9_007_199_254_740_991, 123_456_789]
    var valueLines: String { values.map { "{\"value\":\($0)}\n" }.joined() }

    @Test func evpsiEncryptsPheDecryptsAndAdds() throws {
        let d = try TemporaryDirectory()
        let gen = try Tools.run("evpsi", ["paillier", "keygen", "-o", "key.json"], directory: d.url)
        #expect(gen.status == 0, "\(gen.stderr)")
        let pub = try Tools.run("evpsi", ["paillier", "public", "key.json"], directory: d.url)
        try d.write("pub.json", pub.stdout)
        let enc = try Tools.run("evpsi", ["paillier", "encrypt", "--public", "pub.json"], stdin: valueLines, directory: d.url)
        #expect(enc.status == 0, "\(enc.stderr)")
        try d.write("swift.ct", enc.stdout)
        let dec = try phe(["decrypt", "key.json"], stdin: enc.out, in: d)
        #expect(dec.objects.map { $0["value"] as? Int } == values)
        // phe encrypts the same values; the sums of Swift's and phe's ciphertexts decrypt on both sides.
        let penc = try phe(["encrypt", "pub.json"], stdin: valueLines, in: d)
        try d.write("phe.ct", penc.stdout)
        let sum = try phe(["add", "pub.json", "swift.ct", "phe.ct"], in: d)
        let mine = try Tools.run("evpsi", ["paillier", "decrypt", "--key", "key.json"], stdin: sum.out, directory: d.url)
        #expect(mine.status == 0, "\(mine.stderr)")
        // Beyond 2^53 a value is printed as a decimal string, so compare texts.
        #expect(mine.objects.map { "\($0["value"]!)" } == values.map { String(2 * $0) })
        let swiftSum = try Tools.run("evpsi", ["paillier", "add", "--public", "pub.json", "phe.ct", "swift.ct"], directory: d.url)
        #expect(try phe(["decrypt", "key.json"], stdin: swiftSum.out, in: d).objects.map { $0["value"] as? Int } == values.map { 2 * $0 })
    }

    @Test func pheKeyWorksInEvpsiIntersectionSum() throws {
        let p = try Parties()
        let key = try phe(["keygen", "2048"], in: p.b)
        try p.b.write("key.json", key.stdout)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: p.b.file("key.json").path)
        let a = ["k1", "k2", "k3", "k5", "k5"]
        let b: [(String, Int)] = [("k2", 100), ("k3", -30), ("k4", 7), ("k5", 1_000_000_007), ("k2", 1)]
        try p.a.write("a.jsonl", p.items(a))
        try p.b.write("b.jsonl", b.map { "{\"id\":\"\($0.0)\",\"amount\":\($0.1)}\n" }.joined())
        #expect(try p.run(p.a, ["sum", "start", "--state", "a.state", "-o", "m1", "a.jsonl"]).status == 0)
        try p.send("m1", from: p.a, to: p.b)
        let reply = try p.run(p.b, ["sum", "reply", "--message", "m1", "--paillier-key", "key.json", "--value", "amount",
                                    "--state", "b.state", "-o", "m2", "b.jsonl"])
        #expect(reply.status == 0, "\(reply.stderr)")
        try p.send("m2", from: p.b, to: p.a)
        let fin = try p.run(p.a, ["sum", "finish", "--message", "m2", "--state", "a.state", "-o", "m3"])
        #expect(fin.status == 0, "\(fin.stderr)")
        let expectedPairs = b.filter { Set(a).contains($0.0) }
        #expect(fin.objects.first?["cardinality"] as? Int == expectedPairs.count)
        try p.send("m3", from: p.a, to: p.b)
        let res = try p.run(p.b, ["sum", "result", "--message", "m3", "--state", "b.state", "--paillier-key", "key.json"])
        #expect(res.status == 0, "\(res.stderr)")
        #expect(res.objects.first?["sum"] as? Int == expectedPairs.map(\.1).reduce(0, +))
        #expect(res.objects.first?["cardinality"] as? Int == expectedPairs.count)
    }

    @Test func weakKeysAndBadCiphertextsAreRefused() throws {
        let d = try TemporaryDirectory()
        let small = try Tools.run("evpsi", ["paillier", "keygen", "--bits", "1024", "-o", "k"], directory: d.url)
        #expect(small.status == 2)
        #expect(small.stderr.contains("refused"))
        let key = try phe(["keygen", "1024"], in: d)
        try d.write("k.json", key.stdout)
        let enc = try Tools.run("evpsi", ["paillier", "encrypt", "--public", "k.json"], stdin: "{\"value\":1}\n", directory: d.url)
        #expect(enc.status == 2)
        #expect(enc.stderr.contains("1024 bits refused"))
        let ok = try Tools.run("evpsi", ["paillier", "encrypt", "--insecure-test-key", "--public", "k.json"], stdin: "{\"value\":1}\n{\"value\":\"x\"}\n", directory: d.url)
        #expect(ok.status == 2)
        #expect(ok.stderr.contains("stdin:2: expected \"value\""))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: d.file("k.json").path)
        let bad = try Tools.run("evpsi", ["paillier", "decrypt", "--insecure-test-key", "--key", "k.json"], stdin: "{\"v\":\"0\",\"e\":0}\n", directory: d.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("stdin:1: not a ciphertext"))
    }
}

@Suite struct EvpsiCompareTests {
    func run(op: String, a: [Int], b: [Int], bits: Int = 64) throws -> [Bool?] {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        // A lists its rows in reverse: rows pair by "id", not by line.
        try p.a.write("a.jsonl", a.enumerated().reversed().map { "{\"id\":\($0.offset),\"claim\":\($0.element)}\n" }.joined())
        try p.b.write("b.jsonl", b.enumerated().map { "{\"id\":\($0.offset),\"contract\":\"C\",\"value\":\($0.element)}\n" }.joined())
        let req = try p.run(p.b, ["compare", "request", "--op", op, "--bits", String(bits), "--paillier-key", "key.json",
                                  "--state", "b.state", "-o", "c1", "b.jsonl"])
        #expect(req.status == 0, "\(req.stderr)")
        try p.send("c1", from: p.b, to: p.a)
        let resp = try p.run(p.a, ["compare", "respond", "--message", "c1", "--value", "claim", "-o", "c2", "a.jsonl"])
        #expect(resp.status == 0, "\(resp.stderr)")
        try p.send("c2", from: p.a, to: p.b)
        let res = try p.run(p.b, ["compare", "result", "--message", "c2", "--state", "b.state", "--paillier-key", "key.json", "b.jsonl"])
        #expect(res.status == 0, "\(res.stderr)")
        #expect(res.objects.allSatisfy { $0["contract"] as? String == "C" })
        return res.objects.map { $0["result"] as? Bool }
    }

    @Test func greaterOrEqualAndEqualityInBatches() throws {
        var a = [0, 5, 5, -3, 1_000_000, Int(Int32.max), -1]
        var b = [0, 4, 6, -3, 999_999, Int(Int32.min), 0]
        for _ in 0..<9 {
            let x = Int.random(in: -1_000_000...1_000_000)
            a.append(x); b.append(Bool.random() ? x : Int.random(in: -1_000_000...1_000_000))
        }
        #expect(try run(op: "ge", a: a, b: b, bits: 40) == zip(a, b).map { $0 >= $1 })
        #expect(try run(op: "eq", a: a, b: b) == zip(a, b).map { $0 == $1 })
    }

    @Test func countMismatchAndRangeAreRefused() throws {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", "{\"id\":1,\"value\":1}\n{\"id\":2,\"value\":2}\n")
        try p.a.write("a.jsonl", "{\"id\":1,\"value\":1}\n")
        #expect(try p.run(p.b, ["compare", "request", "--bits", "8", "--paillier-key", "key.json", "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        let r = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("c1:3: the peer asks about a --join key this party has no row for"), "\(r.stderr)")
        try p.a.write("a2.jsonl", "{\"id\":2,\"value\":300}\n{\"id\":1,\"value\":1}\n")
        let r2 = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a2.jsonl"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("a2.jsonl:1: value 300 is outside the 8-bit range"), "\(r2.stderr)")
    }
}

@Suite struct EvpsiSumAndCompareBadMessageTests {
    /// Runs intersection-sum to message 3; returns the parties.
    func sumToThirdMessage(_ p: Parties, session: String? = nil, state: String = "b.state") throws {
        try p.a.write("a.jsonl", p.items(["s1", "s2"]))
        try p.b.write("b.jsonl", "{\"id\":\"s2\",\"value\":5}\n{\"id\":\"s3\",\"value\":7}\n")
        if !FileManager.default.fileExists(atPath: p.b.file("key.json").path) {
            #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        }
        // Each run makes new states: an existing state is never overwritten.
        try? FileManager.default.removeItem(at: p.a.file("a.state"))
        try? FileManager.default.removeItem(at: p.b.file(state))
        #expect(try p.run(p.a, ["sum", "start", "--state", "a.state", "-o", "m1", "a.jsonl"] + (session.map { ["--session", $0] } ?? [])).status == 0)
        try? FileManager.default.removeItem(at: p.b.file("m1"))
        try p.send("m1", from: p.a, to: p.b)
        #expect(try p.run(p.b, ["sum", "reply", "--message", "m1", "--paillier-key", "key.json", "--state", state, "-o", "m2", "b.jsonl"]).status == 0)
        try? FileManager.default.removeItem(at: p.a.file("m2"))
        try p.send("m2", from: p.b, to: p.a)
        #expect(try p.run(p.a, ["sum", "finish", "--message", "m2", "--state", "a.state", "-o", "m3"]).status == 0)
        try? FileManager.default.removeItem(at: p.b.file("m3"))
        try p.send("m3", from: p.a, to: p.b)
    }

    @Test func sumMessagesAreChecked() throws {
        let p = try Parties()
        try sumToThirdMessage(p)
        let ok = try p.run(p.b, ["sum", "result", "--message", "m3", "--state", "b.state", "--paillier-key", "key.json"])
        #expect(ok.objects.first?["sum"] as? Int == 5)
        // A second run with its own session: its message 3 does not fit the first run's state.
        try FileManager.default.copyItem(at: p.b.file("b.state"), to: p.b.file("old.state"))
        try sumToThirdMessage(p, session: String(repeating: "ab", count: 16))
        let r = try p.run(p.b, ["sum", "result", "--message", "m3", "--state", "old.state", "--paillier-key", "key.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("m3:1: message belongs to session abab"))
        // A's message 1 is not a message 3.
        let r2 = try p.run(p.b, ["sum", "result", "--message", "m1", "--state", "b.state", "--paillier-key", "key.json"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("message is a sum-1, expected sum-3"))
        // A ciphertext that is not one (0) is refused even with a matching digest.
        try rewrite(p.b.file("m3")) { lines in
            let zero = Data(count: 512).base64EncodedString()
            lines[1] = "{\"s\":\"\(zero)\",\"cardinality\":1}"
        }
        let r3 = try p.run(p.b, ["sum", "result", "--message", "m3", "--state", "b.state", "--paillier-key", "key.json"])
        #expect(r3.status == 2)
        #expect(r3.stderr.contains("m3:2: not a ciphertext of this paillier key"))
    }

    @Test func compareAnswerIsChecked() throws {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", "{\"id\":\"x\",\"value\":1}\n")
        try p.a.write("a.jsonl", "{\"id\":\"x\",\"value\":2}\n")
        #expect(try p.run(p.b, ["compare", "request", "--bits", "8", "--paillier-key", "key.json", "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        #expect(try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"]).status == 0)
        try p.send("c2", from: p.a, to: p.b)
        try FileManager.default.copyItem(at: p.b.file("c2"), to: p.b.file("c2.orig"))
        try rewrite(p.b.file("c2")) { lines in
            lines[1] = lines[1].replacingOccurrences(of: "\",\"", with: "\"]", options: [], range: nil)
                .components(separatedBy: "]").first! + "]}"
        }
        let r = try p.run(p.b, ["compare", "result", "--message", "c2", "--state", "s", "--paillier-key", "key.json", "b.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("c2:2: expected 8 ciphertexts, found 1"), "\(r.stderr)")
        try rewrite(p.b.file("c2.orig"), fixDigest: false) { $0.removeLast() }
        let r2 = try p.run(p.b, ["compare", "result", "--message", "c2.orig", "--state", "s", "--paillier-key", "key.json", "b.jsonl"])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("truncated message"))
    }
}

/// The DGK public key in a cmp-1 message's header.
func dgkKey(_ url: URL, bits: Int = 8, insecure: Bool = false) throws -> DGKPublicKey {
    let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")[0]
    let o = try JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
    let dgk = try JSONSerialization.data(withJSONObject: o["dgk"]!)
    return try DGKPublicKey(json: try JSON.parse(Array(dgk)), comparisonBits: bits, allowInsecure: insecure)
}

/// What a dishonest comparison peer could send (issue 23).
@Suite struct EvpsiDishonestCompareTests {
    func requested(op: String = "ge") throws -> Parties {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", "{\"id\":\"x\",\"value\":1}\n")
        try p.a.write("a.jsonl", "{\"id\":\"x\",\"value\":2}\n")
        #expect(try p.run(p.b, ["compare", "request", "--op", op, "--bits", "8", "--paillier-key", "key.json",
                                "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        return p
    }

    /// A `ge` answer decrypts to at most one zero; one made of encryptions
    /// of zero (A holds B's public key, so it can make them) is refused.
    @Test func answerWithMoreThanOneZeroIsRefused() throws {
        let p = try requested()
        #expect(try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"]).status == 0)
        try p.send("c2", from: p.a, to: p.b)
        // Encryptions of zero under the session's DGK key in the request's header: h^r.
        let pk = try dgkKey(p.a.file("c1"))
        let zeros = (0..<8).map { _ in
            "\"" + Data(pk.bytes(pk.h.powm(BigInt.random(bits: 300), pk.n))).base64EncodedString() + "\""
        }
        try rewrite(p.b.file("c2")) { lines in
            let i = lines.firstIndex { $0.hasPrefix("{\"z\":") }!
            let k = lines[i].components(separatedBy: "\"k\":")[1]
            lines[i] = "{\"z\":[" + zeros.joined(separator: ",") + "],\"k\":" + k
        }
        let r = try p.run(p.b, ["compare", "result", "--message", "c2", "--state", "s", "--paillier-key", "key.json", "b.jsonl"])
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("one-zero"), "\(r.stderr)")
    }

    /// The party without the key checks it: n = 3·q (2049 bits) and a prime
    /// n put in B's request are refused by A (exit 2, naming the rule).
    @Test func peerKeyThatIsNoRSAModulusIsRefused() throws {
        for n in [BigInt(3) * BigInt.randomPrime(bits: 2047), BigInt.randomPrime(bits: 2048)] {
            let p = try requested(op: "eq")
            try rewrite(p.a.file("c1")) { lines in
                var header = try! JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
                var key = header["paillier"] as! [String: Any]
                key["n"] = Base64URL.encode(n.bigEndianBytes)
                header["paillier"] = key
                lines[0] = String(decoding: try! JSONSerialization.data(withJSONObject: header), as: UTF8.self)
            }
            let r = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"])
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("well-formed-modulus"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: p.a.file("c2").path))
        }
    }
}

/// The DGK side of `compare --op ge` (issue 22): what each party checks of
/// the other's messages, and an independent reading of the messages.
@Suite struct EvpsiDGKCompareTests {
    /// B (2048-bit Paillier key, so a 2048-bit DGK key) has asked, A answered;
    /// c2 is at B.
    func answered(bValues: [Int] = [1], aValues: [Int] = [2], bits: Int = 8) throws -> Parties {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", bValues.enumerated().map { "{\"id\":\($0.offset),\"value\":\($0.element)}\n" }.joined())
        try p.a.write("a.jsonl", aValues.enumerated().map { "{\"id\":\($0.offset),\"value\":\($0.element)}\n" }.joined())
        #expect(try p.run(p.b, ["compare", "request", "--bits", String(bits), "--paillier-key", "key.json",
                                "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        let r = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        try p.send("c2", from: p.a, to: p.b)
        return p
    }

    func result(_ p: Parties) throws -> ToolResult {
        try p.run(p.b, ["compare", "result", "--message", "c2", "--state", "s", "--paillier-key", "key.json", "b.jsonl"])
    }

    /// Replaces ciphertext `index` of the first answer line by `with`(all of them).
    func editAnswer(_ p: Parties, _ edit: @escaping ([String]) -> [String]) throws {
        try rewrite(p.b.file("c2")) { lines in
            let i = lines.firstIndex { $0.hasPrefix("{\"z\":") }!
            let parts = lines[i].components(separatedBy: "],\"k\":")
            let list = String(parts[0].dropFirst("{\"z\":[".count)).components(separatedBy: ",")
            lines[i] = "{\"z\":[" + edit(list).joined(separator: ",") + "],\"k\":" + parts[1]
        }
    }

    /// A copies one of its ciphertexts over another: refused (rule distinct-answers).
    @Test func repeatedCiphertextIsRefused() throws {
        let p = try answered()
        try editAnswer(p) { list in var l = list; l[1] = l[0]; return l }
        let r = try result(p)
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("c2:2:") && r.stderr.contains("distinct-answers"), "\(r.stderr)")
    }

    /// An element that is no power of g times a power of h (a random unit
    /// mod n, which an honest A never sends) is refused, not read as a
    /// nonzero (rule in-subgroup).
    @Test func answerOutsideTheSubgroupIsRefused() throws {
        let p = try answered()
        let pk = try dgkKey(p.a.file("c1"))
        let stranger = "\"" + Data(pk.bytes(BigInt.randomUnit(modulo: pk.n))).base64EncodedString() + "\""
        try editAnswer(p) { list in var l = list; l[3] = stranger; return l }
        let r = try result(p)
        #expect(r.status == 2, "\(r.stdout)")
        #expect(r.stderr.contains("c2:2:") && r.stderr.contains("in-subgroup"), "\(r.stderr)")
    }

    /// A refuses a DGK key below the sizes (n < 2048 bits or t < 224) unless
    /// it runs with --insecure-test-key, and a malformed one always.
    @Test func weakDGKKeyIsRefusedByA() throws {
        let p = try Parties()
        #expect(try p.run(p.b, ["paillier", "keygen", "--insecure-test-key", "--bits", "1024", "-o", "key.json"]).status == 0)
        try p.b.write("b.jsonl", "{\"id\":1,\"value\":1}\n")
        try p.a.write("a.jsonl", "{\"id\":1,\"value\":2}\n")
        #expect(try p.run(p.b, ["compare", "request", "--bits", "8", "--paillier-key", "key.json", "--insecure-test-key",
                                "--state", "s", "-o", "c1", "b.jsonl"]).status == 0)
        try p.send("c1", from: p.b, to: p.a)
        let small = try p.run(p.a, ["compare", "respond", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(small.status == 2)
        #expect(small.stderr.contains("c1:1: dgk key refused: modulus of 1024 bits"), "\(small.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.a.file("c2").path))
        let allowed = try p.run(p.a, ["compare", "respond", "--insecure-test-key", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        try FileManager.default.removeItem(at: p.a.file("c2"))
        // A composite u would let B read gcd(c_i, u) from the blinded values: refused even for test keys.
        try FileManager.default.copyItem(at: p.a.file("c1"), to: p.a.file("c1.orig"))
        // (u = 29, the smallest prime ≥ 3·8, made 27.)
        try rewrite(p.a.file("c1")) { lines in lines[0] = lines[0].replacingOccurrences(of: "\"u\":29", with: "\"u\":27") }
        let composite = try p.run(p.a, ["compare", "respond", "--insecure-test-key", "--message", "c1", "-o", "c2", "a.jsonl"])
        #expect(composite.status == 2)
        #expect(composite.stderr.contains("u = 27 must be a prime"), "\(composite.stderr)")
        // A full-size modulus with a short t is refused without test keys.
        let q = try answered()
        try rewrite(q.a.file("c1")) { lines in lines[0] = lines[0].replacingOccurrences(of: "\"t\":224", with: "\"t\":160") }
        let short = try q.run(q.a, ["compare", "respond", "--message", "c1", "-o", "c3", "a.jsonl"])
        #expect(short.status == 2)
        #expect(short.stderr.contains("t = 160: at least 224"), "\(short.stderr)")
    }

    /// An independent reading (Python and gmpy2, written from evpsi(1)): B's
    /// request decrypts to the bits of b + 2^(ℓ−1), A's answer holds a zero
    /// exactly when a < b, and the tool's result agrees.
    @Test func independentCheckConfirmsTheComparisons() throws {
        let b = [5, -7, 100, 0, -128, 127, 42]
        let a = [5, -8, 101, -1, 127, -128, 42]
        let p = try answered(bValues: b, aValues: a)
        let r = try result(p)
        #expect(r.status == 0, "\(r.stderr)")
        try p.b.write("result.jsonl", String(decoding: r.stdout, as: UTF8.self))
        try p.b.write("a.jsonl", a.enumerated().map { "{\"id\":\($0.offset),\"value\":\($0.element)}\n" }.joined())
        let check = try Tools.runPython(["-c", dgkCheckScript, "s", "c1", "c2", "b.jsonl", "a.jsonl", "result.jsonl"],
                                        requires: ["gmpy2"], directory: p.b.url)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(String(decoding: check.stdout, as: UTF8.self) == "ok 7 comparisons\n")
        #expect(r.objects.map { $0["result"] as? Bool } == zip(a, b).map { $0 >= $1 })
    }
}

/// Written from evpsi(1) ("Private comparisons", "Message formats"), not from the Swift code.
let dgkCheckScript = #"""
import base64, hashlib, json, sys
import gmpy2
state_path, c1_path, c2_path, b_path, a_path, result_path = sys.argv[1:7]
state = json.load(open(state_path))
k = state["dgk"]
p = gmpy2.mpz(k["p"], 16); q = gmpy2.mpz(k["q"], 16); vp = gmpy2.mpz(k["vp"], 16)
n = gmpy2.mpz(k["n"], 16); g = gmpy2.mpz(k["g"], 16); u = int(k["u"])
assert p * q == n
bits = int(state["bits"])
def lines(path):
    return [json.loads(l) for l in open(path) if l.strip()]
c1 = lines(c1_path); c2 = lines(c2_path)
session = bytes.fromhex(c1[0]["session"])
assert c1[0]["group"] == "dgk" and c1[0]["dgk"]["n"] == k["n"]
def tag(row):
    key = json.dumps([row["id"]], separators=(",", ":")).encode()
    return base64.b64encode(hashlib.sha256(b"evpsi-v1:cmp-join\0" + session + key).digest()).decode()
# The plaintext of c: the m in [0, u) with (c mod p)^vp = (g^vp)^m mod p.
base = gmpy2.powmod(g, vp, p)
table = {}
x = gmpy2.mpz(1)
for m in range(u):
    table[int(x)] = m
    x = x * base % p
def decrypt(c):
    return table[int(gmpy2.powmod(c % p, vp, p))]
def ints(record, field):
    out = []
    for s in record[field]:
        raw = base64.b64decode(s)
        assert len(raw) == (n.bit_length() + 7) // 8
        out.append(gmpy2.mpz(int.from_bytes(raw, "big")))
    return out
requests = {r["k"]: ints(r, "c") for r in c1[1:] if "c" in r}
answers = {r["k"]: ints(r, "z") for r in c2[1:] if "z" in r}
bs = lines(b_path); As = {tag(r): r["value"] for r in lines(a_path)}
results = {tag(r): r["result"] for r in lines(result_path)}
for row in bs:
    t = tag(row)
    y = row["value"] + 2 ** (bits - 1)
    got = [decrypt(c) for c in requests[t]]
    assert got == [(y >> i) & 1 for i in reversed(range(bits))], (row, got)
    zeros = 0
    for c in answers[t]:
        w = gmpy2.powmod(c % p, vp, p)
        assert gmpy2.powmod(w, u, p) == 1
        zeros += w == 1
    assert zeros <= 1
    assert (zeros == 0) == (As[t] >= row["value"]) == results[t], (row, zeros, results[t])
print("ok %d comparisons" % len(bs))
"""#
