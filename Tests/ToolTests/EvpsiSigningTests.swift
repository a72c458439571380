import EvidenceSupport
import Foundation
import Testing

/// Two parties with signed-note keys and policies; every refusal is exit 2,
/// names its reason and writes nothing.
final class SignedParties {
    let p: Parties
    let bankKey: String
    let commissionKey: String
    let purpose = "arbitration case (2026)沪仲案字第0123号"

    init(maxItems: Int = 100, expires: String = "2099-01-01T00:00:00Z", purposes: [String]? = nil) throws {
        p = try Parties()
        bankKey = try Self.keygen(p.b, "bank.example/psi")
        commissionKey = try Self.keygen(p.a, "commission.example/psi")
        try policy(p.a, peer: bankKey, maxItems: maxItems, expires: expires, purposes: purposes)
        try policy(p.b, peer: commissionKey, maxItems: maxItems, expires: expires, purposes: purposes)
    }

    static func keygen(_ dir: TemporaryDirectory, _ name: String) throws -> String {
        let r = try Tools.run("evchain", ["keygen", "--name", name, "--out", "psi.key"], directory: dir.url)
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func policy(_ dir: TemporaryDirectory, peer: String, maxItems: Int, expires: String, purposes: [String]?) throws {
        let list = (purposes ?? [purpose]).map { "\"\($0)\"" }.joined(separator: ",")
        try dir.write("policy.json", "{\"purposes\":[\(list)],\"peers\":[\"\(peer)\"],\"max_items\":\(maxItems),\"expires\":\"\(expires)\"}\n")
    }

    func bank(_ args: [String]) throws -> ToolResult {
        try Tools.run("evpsi", args + ["--sign-key", "psi.key", "--peer-key", commissionKey], directory: p.b.url)
    }
    func commission(_ args: [String]) throws -> ToolResult {
        try Tools.run("evpsi", args + ["--sign-key", "psi.key", "--peer-key", bankKey], directory: p.a.url)
    }
}

@Suite struct EvpsiSigningTests {
    func items(_ ids: [String]) -> String { ids.map { "{\"id\":\"\($0)\",\"value\":\($0.count)}\n" }.joined() }

    /// B's signed request, sent to A.
    func request(_ s: SignedParties, ids: [String] = ["cust-1", "cust-2", "cust-x"], purpose: String? = nil) throws {
        try s.p.b.write("b.jsonl", items(ids))
        try s.p.a.write("a.jsonl", items(["cust-1", "cust-2", "cust-y"]))
        let r = try s.bank(["psi", "request", "--group", "p256", "--purpose", purpose ?? s.purpose, "--state", "b.state",
                            "-o", "req.msg", "b.jsonl"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("req.msg", from: s.p.b, to: s.p.a)
    }

    func respond(_ s: SignedParties) throws -> ToolResult {
        try s.commission(["psi", "respond", "--group", "p256", "--policy", "policy.json", "--request", "req.msg",
                          "-o", "resp.msg", "a.jsonl"])
    }

    func expectRefused(_ r: ToolResult, _ reason: String, _ s: SignedParties, _ file: String = "resp.msg") {
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(r.out.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.p.a.file(file).path))
    }

    @Test func signedIntersectionRuns() throws {
        let s = try SignedParties()
        try request(s)
        let resp = try respond(s)
        #expect(resp.status == 0, "\(resp.stderr)")
        try s.p.send("resp.msg", from: s.p.a, to: s.p.b)
        let fin = try s.bank(["psi", "finish", "--response", "resp.msg", "--state", "b.state", "b.jsonl"])
        #expect(fin.status == 0, "\(fin.stderr)")
        #expect(fin.objects.compactMap { $0["id"] as? String } == ["cust-1", "cust-2"])
        let header = try String(contentsOf: s.p.a.file("resp.msg"), encoding: .utf8).split(separator: "\n")[0]
        #expect(header.contains("\"purpose\":\"\(s.purpose)\""))
        #expect(header.contains("\"signer\":\"commission.example/psi+"))
        // No item of either party in any message.
        for (dir, name) in [(s.p.b, "req.msg"), (s.p.a, "resp.msg")] {
            let text = try String(contentsOf: dir.file(name), encoding: .utf8)
            for item in ["cust-"] { #expect(!text.contains(item), "\(name) holds \(item)") }
        }
    }

    @Test func signedSumAndComparisonRun() throws {
        let s = try SignedParties()
        try s.p.a.write("a.jsonl", items(["c1", "c22", "y"]))
        try s.p.b.write("b.jsonl", items(["c1", "c22", "x"]))
        #expect(try Tools.run("evpsi", ["paillier", "keygen", "--insecure-test-key", "--bits", "512", "-o", "pk"], directory: s.p.b.url).status == 0)
        var r = try s.commission(["sum", "start", "--group", "p256", "--purpose", s.purpose, "--state", "a.state", "-o", "m1", "a.jsonl"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("m1", from: s.p.a, to: s.p.b)
        r = try s.bank(["sum", "reply", "--group", "p256", "--policy", "policy.json", "--message", "m1", "--paillier-key", "pk",
                        "--insecure-test-key", "--state", "b.state", "-o", "m2", "b.jsonl"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("m2", from: s.p.b, to: s.p.a)
        r = try s.commission(["sum", "finish", "--message", "m2", "--state", "a.state", "--insecure-test-key", "-o", "m3"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("m3", from: s.p.a, to: s.p.b)
        r = try s.bank(["sum", "result", "--message", "m3", "--state", "b.state", "--paillier-key", "pk", "--insecure-test-key"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        #expect(r.objects.first?["sum"] as? Int == 5)

        try s.p.b.write("claims.jsonl", items(["c1", "c22"]))
        r = try s.bank(["compare", "request", "--op", "ge", "--paillier-key", "pk", "--insecure-test-key", "--bits", "8",
                        "--purpose", s.purpose, "--state", "c.state", "-o", "c1", "claims.jsonl"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("c1", from: s.p.b, to: s.p.a)
        r = try s.commission(["compare", "respond", "--policy", "policy.json", "--insecure-test-key", "--message", "c1",
                              "-o", "c2", "a.jsonl"])
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("c2", from: s.p.a, to: s.p.b)
        r = try s.bank(["compare", "result", "--message", "c2", "--state", "c.state", "--paillier-key", "pk", "--insecure-test-key", "claims.jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.compactMap { $0["result"] as? Bool } == [true, true])
    }

    @Test func aMessageResignedByAThirdKeyIsRefused() throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", items(["c1"]))
        // Mallory signs with her own key (written to psi.key's place in another dir).
        let m = try TemporaryDirectory()
        _ = try SignedParties.keygen(m, "bank.example/psi")   // same name, another key
        try m.write("b.jsonl", items(["c1"]))
        let r = try Tools.run("evpsi", ["psi", "request", "--group", "p256", "--purpose", s.purpose, "--sign-key", "psi.key",
                                        "--peer-key", s.commissionKey, "--state", "s", "-o", "req.msg", "b.jsonl"], directory: m.url)
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("req.msg", from: m, to: s.p.a)
        try s.p.a.write("a.jsonl", items(["c1"]))
        expectRefused(try respond(s), "req.msg:1: message is signed by key bank.example/psi+", s)
    }

    @Test func anAlteredMessageIsRefused() throws {
        let s = try SignedParties()
        try request(s)
        var lines = try String(contentsOf: s.p.a.file("req.msg"), encoding: .utf8).split(separator: "\n").map(String.init)
        // Rewrite an element and the trailer's digest alike: only the signature catches it.
        lines[1] = lines[1].replacingOccurrences(of: "A", with: "B")
        try s.p.a.write("req.msg", lines.joined(separator: "\n") + "\n")
        expectRefused(try respond(s), "message signature does not verify", s)
    }

    @Test func anUnsignedMessageIsRefused() throws {
        let s = try SignedParties()
        try s.p.b.write("b.jsonl", items(["c1"]))
        try s.p.a.write("a.jsonl", items(["c1"]))
        let r = try Tools.run("evpsi", ["psi", "request", "--group", "p256", "--purpose", s.purpose, "--insecure-unsigned",
                                        "--state", "s", "-o", "req.msg", "b.jsonl"], directory: s.p.b.url)
        #expect(r.status == 0, "\(r.stderr) \(r.out)")
        try s.p.send("req.msg", from: s.p.b, to: s.p.a)
        expectRefused(try respond(s), "req.msg:1: message is not signed", s)
        // And without keys or --insecure-unsigned nothing runs at all.
        let bare = try Tools.run("evpsi", ["psi", "respond", "--no-policy", "--request", "req.msg", "-o", "resp.msg", "a.jsonl"],
                                 directory: s.p.a.url)
        #expect(bare.status == 2 && bare.stderr.contains("--sign-key"), "\(bare.stderr)")
    }

    @Test func aReplayedResponseOfAnotherSessionIsRefused() throws {
        let s = try SignedParties()
        try request(s)
        #expect(try respond(s).status == 0)
        try s.p.send("resp.msg", from: s.p.a, to: s.p.b)
        // A second session of B's; the old (validly signed) response replayed into it.
        let r = try s.bank(["psi", "request", "--group", "p256", "--purpose", s.purpose, "--state", "b2.state",
                            "-o", "req2.msg", "b.jsonl"])
        #expect(r.status == 0)
        let fin = try s.bank(["psi", "finish", "--response", "resp.msg", "--state", "b2.state", "b.jsonl"])
        #expect(fin.status == 2, "\(fin.stderr)")
        #expect(fin.stderr.contains("resp.msg:1: message belongs to session"), "\(fin.stderr)")
        #expect(fin.out.isEmpty)
    }

    @Test func aPurposeOutsideThePolicyIsRefused() throws {
        let s = try SignedParties()
        try request(s, purpose: "marketing")
        expectRefused(try respond(s), "rule \"purposes\": purpose \"marketing\" is not allowed", s)
    }

    @Test func aRequestTooLargeForThePolicyIsRefused() throws {
        let s = try SignedParties(maxItems: 2)
        try request(s, ids: ["cust-1", "cust-2", "cust-3"])
        expectRefused(try respond(s), "rule \"max_items\": the request has 3 items, at most 2 allowed", s)
    }

    @Test func anExpiredPolicyRefusesEverything() throws {
        let s = try SignedParties(expires: "2020-01-01T00:00:00Z")
        try request(s)
        expectRefused(try respond(s), "rule \"expires\": the policy expired at 2020-01-01T00:00:00Z", s)
    }

    @Test func aKeyNotInThePolicyMayNotAsk() throws {
        let s = try SignedParties()
        try s.policy(s.p.a, peer: "someone.else+00000000", maxItems: 100, expires: "2099-01-01T00:00:00Z", purposes: nil)
        try request(s)
        expectRefused(try respond(s), "rule \"peers\": key bank.example/psi+", s)
    }
}
