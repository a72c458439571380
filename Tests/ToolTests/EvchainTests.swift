import Foundation
import PythonHelpers
import Testing
import EvidenceSupport
import EvidenceCrypto
import EvidenceLog
import EvidencePSI
import EvidenceCore
import Glibc

/// Python verifiers written from the specs, beside the tests.
let independentDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Independent")

func independent(_ script: String, _ args: [String], stdin: Data) throws -> ToolResult {
    try Tools.runPython([independentDirectory.appendingPathComponent(script).path] + args,
                        requires: script == "rfc9162.py" ? [] : ["cryptography"], stdin: stdin)
}

/// Evidence records as evhash would emit them.
func records(_ count: Int, contract: String = "C2025-0001", stage: String = "esign", tag: String = "") -> String {
    (0..<count).map { i in
        let hex = Hex.encode(DigestAlgorithm.sha256.hash(Array("\(tag)\(contract)/\(i)".utf8)))
        return #"{"id":"\#(contract)/\#(stage)/doc\#(tag)\#(i).pdf","contract":"\#(contract)","stage":"\#(stage)","alg":"sha256","digest":"\#(hex)"}"#
    }.joined(separator: "\n") + "\n"
}

/// A chain with a log key in a temporary directory.
final class ChainFixture {
    let dir: TemporaryDirectory
    var chain: String { dir.file("chain.jsonl").path }
    var key: String { dir.file("log.key").path }
    let vkey: String
    let origin = "bank.example/evidence/2026"

    init() throws {
        dir = try TemporaryDirectory()
        let i = try Tools.run("evchain", ["init", dir.file("chain.jsonl").path, "--origin", origin])
        #expect(i.status == 0, "\(i.stderr)")
        let k = try Tools.run("evchain", ["keygen", "--name", origin, "--out", dir.file("log.key").path])
        #expect(k.status == 0, "\(k.stderr)")
        vkey = k.out.trimmingCharacters(in: .newlines)
    }

    @discardableResult
    func append(_ text: String) throws -> ToolResult { try Tools.run("evchain", ["append", chain], stdin: text) }

    @discardableResult
    func checkpoint(out: String? = nil) throws -> ToolResult {
        try Tools.run("evchain", ["checkpoint", chain, "--key", key] + (out.map { ["--out", $0] } ?? []))
    }

    func audit(_ extra: [String] = []) throws -> ToolResult { try Tools.run("evchain", ["audit", chain] + extra) }

    /// Starts `evchain append --buffer 65536` on `input`, kills it with
    /// SIGKILL after `microseconds`, and returns the receipts it printed
    /// (seq → leaf): the acknowledged entries (a last line cut by the kill
    /// is not one).
    func appendKilled(_ input: URL, after microseconds: UInt32, name: String) throws -> [Int: String] {
        let p = Process()
        p.executableURL = Tools.url("evchain")
        p.arguments = ["append", chain, "--buffer", "65536"]
        p.standardInput = try FileHandle(forReadingFrom: input)
        let out = dir.file(name)
        try Data().write(to: out)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(microseconds)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        var acknowledged: [Int: String] = [:]
        let text = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            acknowledged[o["seq"] as! Int] = o["leaf"] as? String
        }
        return acknowledged
    }

    func sizes() throws -> [UInt64] {
        try ["", ".hashes", ".index"].map {
            (try FileManager.default.attributesOfItem(atPath: chain + $0)[.size] as! NSNumber).uint64Value
        }
    }
}

@Test func keygenCreatesPrivateKeyOnceAndRefusesLooseModes() throws {
    let f = try ChainFixture()
    let mode = try FileManager.default.attributesOfItem(atPath: f.key)[.posixPermissions] as! NSNumber
    #expect(mode.intValue == 0o600)
    #expect(f.vkey.hasPrefix(f.origin + "+"))
    let keyBefore = try Data(contentsOf: URL(fileURLWithPath: f.key))
    let again = try Tools.run("evchain", ["keygen", "--name", f.origin, "--out", f.key])
    #expect(again.status != 0)
    #expect(try Data(contentsOf: URL(fileURLWithPath: f.key)) == keyBefore)
    #expect(!again.out.contains("PRIVATE") && !again.stderr.contains("PRIVATE"))
    chmod(f.key, 0o640)
    let loose = try f.checkpoint()
    #expect(loose.status == 2)  // input error, as man/evchain.1 says
    #expect(loose.stderr.contains("group or others"))
    #expect(!loose.stderr.contains("PRIVATE"))
}

@Test func appendProveAndVerifyIndependently() throws {
    try Python.require("cryptography")
    let f = try ChainFixture()
    let a = try f.append(records(10))
    #expect(a.status == 0, "\(a.stderr)")
    let receipts = a.objects
    #expect(receipts.count == 10)
    #expect(receipts.map { $0["seq"] as? Int } == Array(0..<10))
    #expect(receipts.allSatisfy { $0["tree_size"] as? Int == 10 })
    #expect(try f.append(records(5, contract: "C2025-0002")).status == 0)
    #expect(try f.checkpoint().status == 0)
    // By seq, by id, by digest (from a record), by object seq.
    let queries = """
        3
        "C2025-0002/esign/doc4.pdf"
        {"seq":0}
        \(records(1).trimmingCharacters(in: .newlines))
        """
    let p = try Tools.run("evchain", ["prove", f.chain, "--log-key", f.vkey], stdin: queries)
    #expect(p.status == 0, "\(p.stderr)")
    #expect(p.objects.map { $0["seq"] as? Int } == [3, 14, 0, 0])
    let v = try independent("verify_proofs.py", [f.vkey], stdin: p.stdout)
    #expect(v.lines == Array(repeating: "ok", count: 4), "\(v.stderr)")
    // A tampered proof line fails the independent verifier.
    let tampered = p.out.replacingOccurrences(of: "doc3.pdf", with: "doc9.pdf")
    #expect(try independent("verify_proofs.py", [f.vkey], stdin: Data(tampered.utf8)).lines.first != "ok")
    // Unknown item: reported with its line, exit 1.
    let missing = try Tools.run("evchain", ["prove", f.chain], stdin: "\"nope\"\n99\n")
    #expect(missing.status == 1)
    #expect(missing.stderr.contains("stdin:1:") && missing.stderr.contains("stdin:2:"))
    // tlog-proof text for one entry.
    let t = try Tools.run("evchain", ["prove", f.chain, "--tlog-proof"], stdin: "7\n")
    #expect(t.status == 0)
    #expect(t.out.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
    #expect(t.out.contains("\nindex 7\n"))
    #expect(t.out.contains("\n\n\(f.origin)\n15\n"))
    #expect(try independent("tlog_proof_verify.py", [f.vkey], stdin: t.stdout).out == "ok\n")
    let forged = t.out.replacingOccurrences(of: "\nindex 7\n", with: "\nindex 6\n")
    #expect(try independent("tlog_proof_verify.py", [f.vkey], stdin: Data(forged.utf8)).out != "ok\n")
}

@Test func badInputIsLineNumberedAndAppendsNothing() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3)).status == 0)
    let before = try f.sizes()
    var lines = records(20).split(separator: "\n").map(String.init)
    lines[16] = #"{"id":"C1/esign/x.pdf","alg":"sha256","digest":"1234"}"#
    let bad = try f.append(lines.joined(separator: "\n") + "\n")
    #expect(bad.status == 2)
    #expect(bad.stderr.hasPrefix("evchain: stdin:17: expected \"digest\""), "\(bad.stderr)")
    #expect(bad.out.isEmpty)
    #expect(try f.sizes() == before)
    // The same with a batch larger than the buffer, written uncommitted as it goes.
    let big = try Tools.run("evchain", ["append", f.chain, "--buffer", "4096"], stdin: lines.joined(separator: "\n") + "\n")
    #expect(big.status == 2)
    #expect(big.stderr.contains("stdin:17:"))
    #expect(try f.sizes() == before)
    for junk in ["{not json\n", "[1,2]\n", #"{"id":"a","alg":"sha256","digest":"\#(String(repeating: "a", count: 64))","bogus":1}"# + "\n"] {
        let r = try f.append(records(2) + junk)
        #expect(r.status == 2)
        #expect(r.stderr.contains("stdin:3:"), "\(r.stderr)")
        #expect(try f.sizes() == before)
    }
    #expect(try f.audit().status == 0)
}

@Test func concurrentAppendersEachEntryExactlyOnce() throws {
    let f = try ChainFixture()
    let inputs = try (0..<8).map { w in try f.dir.write("in\(w)", records(40, contract: "W\(w)")) }
    var processes: [(Process, URL)] = []
    for (w, input) in inputs.enumerated() {
        let p = Process()
        p.executableURL = Tools.url("evchain")
        p.arguments = ["append", f.chain]
        p.standardInput = try FileHandle(forReadingFrom: input)
        let out = f.dir.file("out\(w)")
        try Data().write(to: out)
        p.standardOutput = try FileHandle(forWritingTo: out)
        try p.run()
        processes.append((p, out))
    }
    var seqs: [Int] = []
    for (p, out) in processes {
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = String(decoding: try Data(contentsOf: out), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 40)
        let objs = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let mine = objs.compactMap { $0["seq"] as? Int }
        // One batch is contiguous: the lock serialises whole batches.
        #expect(mine == Array((mine.first ?? 0)..<((mine.first ?? 0) + 40)))
        seqs += mine
    }
    #expect(seqs.sorted() == Array(0..<320))
    let show = try Tools.run("evchain", ["show", f.chain])
    let ids = show.objects.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }
    #expect(ids.count == 320 && Set(ids).count == 320)
    #expect(try f.audit().status == 0)
}

@Test func killedAppendersLoseNothingAcknowledged() throws {
    let f = try ChainFixture()
    var acknowledged: [Int: String] = [:]   // seq → leaf
    var generator = SystemRandomNumberGenerator()
    let input = try f.dir.write("batch", records(3000))
    for run in 0..<20 {
        // A small buffer: most of the batch reaches the file before it is committed.
        for (seq, leaf) in try f.appendKilled(input, after: UInt32.random(in: 50_000...250_000, using: &generator), name: "out\(run)") {
            acknowledged[seq] = leaf
        }
        var audit = try f.audit()
        // What a kill leaves (a torn tail before the commit, stray lookup
        // run files during the merge after it) is a finding that repair
        // removes, saying so; anything else is damage.
        if audit.status == 1 && (audit.stderr.contains("torn tail") || audit.stderr.contains("left by an interrupted merge")) {
            let repair = try f.audit(["--repair"])
            #expect(repair.status == 0, "\(repair.stderr)")
            #expect(repair.stderr.contains("removed"))
            audit = try f.audit()
        }
        #expect(audit.status == 0, "run \(run): \(audit.stderr)")
        // A repaired chain takes appends again.
        #expect(try f.append(records(1, tag: "r\(run)-")).status == 0)
    }
    let show = try Tools.run("evchain", ["show", f.chain])
    let leaves = Dictionary(uniqueKeysWithValues: show.objects.map { ($0["seq"] as! Int, $0["leaf"] as! String) })
    for (seq, leaf) in acknowledged { #expect(leaves[seq] == leaf, "acknowledged entry \(seq) lost") }
}

@Test func everyFlippedByteIsCaughtByAudit() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3)).status == 0)
    #expect(try f.checkpoint().status == 0)
    #expect(try f.audit().status == 0)
    let original = try Data(contentsOf: URL(fileURLWithPath: f.chain))
    for i in 0..<original.count {
        var flipped = original
        flipped[i] ^= 0x01
        try flipped.write(to: URL(fileURLWithPath: f.chain))
        let r = try f.audit()
        #expect(r.status == 1, "byte \(i) flipped: audit exited \(r.status)")
    }
    try original.write(to: URL(fileURLWithPath: f.chain))
    #expect(try f.audit().status == 0)
    // The side files are checked too, and a truncated log is never repaired away.
    for suffix in [".hashes", ".index"] {
        let url = URL(fileURLWithPath: f.chain + suffix)
        let data = try Data(contentsOf: url)
        for i in stride(from: 0, to: data.count, by: 7) {
            var flipped = data
            flipped[i] ^= 0x80
            try flipped.write(to: url)
            #expect(try f.audit().status == 1, "\(suffix) byte \(i)")
        }
        try data.write(to: url)
    }
    try original.prefix(original.count - 40).write(to: URL(fileURLWithPath: f.chain))
    #expect(try f.audit().status == 1)
    #expect(try f.audit(["--repair"]).status == 1)
}

@Test func witnessCosignsOnlyConsistentGrowth() throws {
    try Python.require("cryptography")
    let f = try ChainFixture()
    let state = f.dir.file("notary-state")
    try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
    let w = try Tools.run("evchain", ["keygen", "--witness", "--name", "notary.example/w1", "--out", f.dir.file("w.key").path])
    let wkey = w.out.trimmingCharacters(in: .newlines)
    func cosign(_ checkpoint: String, proof: String? = nil, first: Bool = false) throws -> ToolResult {
        try Tools.run("evchain", ["cosign", "--witness-key", f.dir.file("w.key").path, "--log-key", f.vkey,
                                  "--state", state.path, checkpoint] + (proof.map { ["--proof", $0] } ?? [])
                                  + (first ? ["--init"] : []))
    }
    #expect(try f.append(records(5)).status == 0)
    let cp1 = f.dir.file("cp1").path
    #expect(try f.checkpoint(out: cp1).status == 0)
    let c1 = try cosign(cp1, first: true)
    #expect(c1.status == 0, "\(c1.stderr)")
    #expect(try independent("note_verify.py", [wkey], stdin: c1.stdout).out == "ok\n")
    #expect(try independent("note_verify.py", [f.vkey], stdin: c1.stdout).out == "ok\n")
    // Same checkpoint again: fine (idempotent).
    #expect(try cosign(cp1).status == 0)

    #expect(try f.append(records(7, tag: "b")).status == 0)
    let cp2 = f.dir.file("cp2").path
    #expect(try f.checkpoint(out: cp2).status == 0)
    let noProof = try cosign(cp2)
    #expect(noProof.status == 1)
    #expect(noProof.stderr.contains("consistency proof"))
    let proof = try Tools.run("evchain", ["consistency", f.chain, "--from", "5", "--checkpoint", cp2])
    #expect(proof.status == 0, "\(proof.stderr)")
    let proofFile = try f.dir.write("proof.json", proof.stdout).path
    // The proof also verifies with the independent RFC 9162 verifier.
    let o = proof.objects[0]
    let pyInput = try JSONSerialization.data(withJSONObject: ["leaves": [], "cases": [[
        "kind": "consistency", "old": o["old_size"]!, "new": o["new_size"]!, "old_root": o["old_root"]!,
        "new_root": o["new_root"]!, "path": o["proof"]!]]])
    #expect(try independent("rfc9162.py", [], stdin: pyInput).out == "ok\n")
    let c2 = try cosign(cp2, proof: proofFile)
    #expect(c2.status == 0, "\(c2.stderr)")
    #expect(try independent("note_verify.py", [wkey], stdin: c2.stdout).out == "ok\n")
    // Rollback to the smaller checkpoint: refused.
    let rollback = try cosign(cp1)
    #expect(rollback.status == 1)
    #expect(rollback.stderr.contains("smaller"))
    // A forked log (same key, same size, other history): refused.
    let fork = try TemporaryDirectory()
    let forkChain = fork.file("chain.jsonl").path
    #expect(try Tools.run("evchain", ["init", forkChain, "--origin", f.origin]).status == 0)
    #expect(try Tools.run("evchain", ["append", forkChain], stdin: records(12, tag: "fork")).status == 0)
    let forkCP = fork.file("cp").path
    #expect(try Tools.run("evchain", ["checkpoint", forkChain, "--key", f.key, "--out", forkCP]).status == 0)
    let split = try cosign(forkCP)
    #expect(split.status == 1)
    #expect(split.stderr.contains("split view"))
    // Growing the fork and proving from its own history: still inconsistent with what was cosigned.
    #expect(try Tools.run("evchain", ["append", forkChain], stdin: records(3, tag: "fork2")).status == 0)
    let forkCP2 = fork.file("cp2").path
    #expect(try Tools.run("evchain", ["checkpoint", forkChain, "--key", f.key, "--out", forkCP2]).status == 0)
    let forkProof = try Tools.run("evchain", ["consistency", forkChain, "--from", "12", "--checkpoint", forkCP2])
    let forkProofFile = try fork.write("proof.json", forkProof.stdout).path
    #expect(try cosign(forkCP2, proof: forkProofFile).status == 1)
    // A checkpoint signed by another key: refused.
    let other = try ChainFixture()
    #expect(try other.append(records(1)).status == 0)
    let otherCP = other.dir.file("cp").path
    #expect(try other.checkpoint(out: otherCP).status == 0)
    #expect(try cosign(otherCP).status == 1)
    // The audit accepts the cosigned checkpoint with both keys.
    let cosigned = try f.dir.write("cp2.cosigned", c2.stdout).path
    #expect(try f.audit(["--checkpoint", cosigned, "--log-key", f.vkey, "--witness-key", wkey]).status == 0)
}

@Test func showFiltersAndTilesExport() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(200, contract: "A", stage: "esign")).status == 0)
    #expect(try f.append(records(100, contract: "B", stage: "face")).status == 0)
    #expect(try f.checkpoint().status == 0)
    let s = try Tools.run("evchain", ["show", f.chain, "--contract", "B", "--from", "250", "--to", "259"])
    #expect(s.objects.map { $0["seq"] as! Int } == Array(250...259))
    #expect(try Tools.run("evchain", ["show", f.chain, "--stage", "face"]).lines.count == 100)
    let out = f.dir.file("tiles").path
    let t = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t.status == 0, "\(t.stderr)")
    for p in ["checkpoint", "tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/000", "tile/entries/001.p/44"] {
        #expect(FileManager.default.fileExists(atPath: "\(out)/\(p)"), "\(p)")
    }
    // Level-0 tiles are the leaf hashes; bundles hold the entries they hash.
    let tile0 = try Data(contentsOf: URL(fileURLWithPath: "\(out)/tile/0/000"))
    let shown = try Tools.run("evchain", ["show", f.chain, "--to", "0"]).objects[0]
    #expect(tile0.prefix(32).map { String(format: "%02x", $0) }.joined() == shown["leaf"] as! String)
    let check = try Tools.runPython(["-c", """
        import hashlib, sys, base64
        d = sys.argv[1]
        def h(b): return hashlib.sha256(b).digest()
        def mth(l):
            if len(l) == 1: return l[0]
            k = 1
            while k * 2 < len(l): k *= 2
            return h(b"\\x01" + mth(l[:k]) + mth(l[k:]))
        t = open(d + "/tile/0/000", "rb").read() + open(d + "/tile/0/001.p/44", "rb").read()
        leaves = [t[i:i+32] for i in range(0, len(t), 32)]
        b = open(d + "/tile/entries/000", "rb").read()
        i = 0; n = 0
        while i < len(b):
            l = int.from_bytes(b[i:i+2], "big"); e = b[i+2:i+2+l]; i += 2 + l
            assert h(b"\\x00" + e) == leaves[n]; n += 1
        assert n == 256
        cp = open(d + "/checkpoint").read().split("\\n")
        assert base64.b64decode(cp[2]) == mth(leaves) and int(cp[1]) == 300
        assert open(d + "/tile/1/000.p/1", "rb").read() == mth(leaves[:256])
        print("ok")
        """, out])
    #expect(check.out == "ok\n", "\(check.stderr)")
    // Incremental: the next export rewrites only what changed.
    #expect(try f.append(records(300, contract: "C")).status == 0)
    #expect(try f.checkpoint().status == 0)
    let t2 = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t2.objects.first?["previous_size"] as? Int == 300)
    #expect(FileManager.default.fileExists(atPath: "\(out)/tile/0/002.p/88"))
}

@Test func checkpointTimestampFromLocalAuthority() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(4)).status == 0)
    let tsaDir = f.dir.file("tsa")
    try FileManager.default.createDirectory(at: tsaDir, withIntermediateDirectories: true)
    let server = Process()
    server.executableURL = URL(fileURLWithPath: try Python.require())
    server.arguments = [independentDirectory.appendingPathComponent("tsa_server.py").path, tsaDir.path]
    let portFile = f.dir.file("port")
    try Data().write(to: portFile)
    server.standardOutput = try FileHandle(forWritingTo: portFile)
    try server.run()
    defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
    var port: String?
    for _ in 0..<200 where port == nil {
        let text = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
        if let line = text.split(separator: "\n").first, line.hasPrefix("port ") { port = String(line.dropFirst(5)) }
        else { usleep(50_000) }
    }
    let url = "http://127.0.0.1:\(try #require(port))/tsa"
    let cp = f.dir.file("cp").path
    let r = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", cp, "--tsa-url", url])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: cp + ".tsr"))
    let ca = tsaDir.appendingPathComponent("ca.pem").path
    // Independently: openssl's own verifier accepts the stored response.
    let o = try Tools.runExecutable("openssl", ["ts", "-verify", "-in", cp + ".tsr", "-data", cp, "-CAfile", ca])
    #expect(o.out.contains("Verification: OK"), "\(o.out)\(o.stderr)")
    #expect(try f.audit(["--checkpoint", cp, "--log-key", f.vkey, "--tsa-ca", ca]).status == 0)
    // Tampering: the checkpoint replaced by a later one under the old token…
    let original = try Data(contentsOf: URL(fileURLWithPath: cp))
    #expect(try f.append(records(1, tag: "late")).status == 0)
    #expect(try f.checkpoint(out: cp).status == 0)
    let swapped = try f.audit(["--checkpoint", cp, "--log-key", f.vkey, "--tsa-ca", ca])
    #expect(swapped.status == 1, "\(swapped.stderr)")
    // …or a byte of the token itself changed.
    try original.write(to: URL(fileURLWithPath: cp))
    var token = try Data(contentsOf: URL(fileURLWithPath: cp + ".tsr"))
    token[token.count - 10] ^= 0x01
    try token.write(to: URL(fileURLWithPath: cp + ".tsr"))
    #expect(try f.audit(["--checkpoint", cp, "--log-key", f.vkey, "--tsa-ca", ca]).status == 1)
    // An unreachable authority is an I/O error, and nothing is left half-done.
    let down = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", f.dir.file("cp2").path,
                                         "--tsa-url", "http://127.0.0.1:9/tsa"])
    #expect(down.status == 3)
    #expect(!FileManager.default.fileExists(atPath: f.dir.file("cp2").path))
}
