import Foundation
import Testing

/// C2SP tlog-witness between the bank and the notary over HTTPS on
/// 127.0.0.1: the bank's `evchain checkpoint --witness URL=VKEY` against the
/// notary's `evchain cosign --cgi` behind a web server (witness_cgi.py), with
/// a CA made for the test. No timing is asserted.

/// The notary's web server: runs `evchain cosign --cgi` per request with the
/// arguments the test sets (`serve`), over HTTPS.
private final class WitnessServer {
    let f: ChainFixture
    let notary: NotaryFixture
    let ca: TestCA
    let server: StaticHTTPServer
    let url: String
    private var config: String { f.dir.file("witness-cgi.json").path }

    init(_ f: ChainFixture) throws {
        self.f = f
        notary = try NotaryFixture(f)
        ca = try TestCA()
        let config = f.dir.file("witness-cgi.json").path
        server = try StaticHTTPServer(serving: "/nonexistent", arguments: [
            "-u", independentDirectory.appendingPathComponent("witness_cgi.py").path, config, "--tls", ca.cert, ca.key])
        url = server.url.replacingOccurrences(of: "http://", with: "https://")
        try serve()
    }

    /// The CGI program's extra arguments (`--init`), and whether the server forges its replies.
    func serve(_ extra: [String] = [], forge: Bool = false) throws {
        let argv = [Tools.url("evchain").path, "cosign", "--cgi", "--witness-key", notary.key, "--log-key", f.vkey,
                    "--state", notary.state] + extra
        let json = try JSONSerialization.data(withJSONObject: ["argv": argv, "forge": forge])
        try json.write(to: URL(fileURLWithPath: config))
    }

    /// The bank: sign a checkpoint of `chain` and have it cosigned.
    func submit(_ chain: String? = nil, out: String) throws -> ToolResult {
        try Tools.run("evchain", ["checkpoint", chain ?? f.chain, "--key", f.key, "--out", out,
                                  "--witness", "\(url)=\(notary.vkey)", "--cacert", ca.ca, "--timeout", "60"])
    }

    /// The requests' first lines and answers, in order: `old=5 -> 200`.
    var requests: [String] {
        server.requestLog.split(separator: "\n").map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") }
    }
}

private func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

@Suite struct WitnessProtocolTests {
    @Test func theBankGetsTheNotarysCosignatureFromTheFirstCheckpointOnAndCatchesUpWithAWitnessAhead() throws {
        let f = try ChainFixture()
        let w = try WitnessServer(f)
        let sig = "\u{2014} notary.example/witness "
        // First submission: the bank knows nothing of the witness (old 0), the witness starts its state.
        #expect(try f.append(records(5)).status == 0)
        try w.serve(["--init"])
        let cp1 = f.dir.file("cp1").path
        let first = try w.submit(out: cp1)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.isEmpty)
        #expect(try text(cp1).contains(sig))
        #expect(try independent("note_verify.py", [w.notary.vkey], stdin: Data(contentsOf: URL(fileURLWithPath: cp1))).out == "ok\n")
        #expect(try text(f.chain + ".checkpoint") == text(cp1))
        #expect(try text(f.chain + ".witnesses").contains(#""size":5"#))
        #expect(try text(f.chain + ".checkpoints/5").contains(sig))  // kept with the cosignature, as `evchain keep` would
        // A grown log: the proof from 5, which the bank recorded.
        try w.serve()
        #expect(try f.append(records(3, tag: "b")).status == 0)
        let cp2 = f.dir.file("cp2").path
        let grown = try w.submit(out: cp2)
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(try text(cp2).contains(sig))
        #expect(try text(f.chain + ".witnesses").contains(#""size":8"#))
        // The bank lost its record: the witness is ahead of it (409 with its size), the proof is rebuilt from there.
        try FileManager.default.removeItem(atPath: f.chain + ".witnesses")
        #expect(try f.append(records(2, tag: "c")).status == 0)
        let cp3 = f.dir.file("cp3").path
        let ahead = try w.submit(out: cp3)
        #expect(ahead.status == 0, "\(ahead.stderr)")
        #expect(try text(cp3).contains(sig))
        #expect(w.requests == ["old=0 -> 200", "old=5 -> 200", "old=0 -> 409", "old=8 -> 200"])
        #expect(try text(f.chain + ".witnesses").contains(#""size":10"#))
        // What the bank wrote is what the verifier needs: the notary's cosignature checks.
        let audit = try f.audit(["--checkpoint", cp3, "--log-key", f.vkey, "--witness-key", w.notary.vkey])
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test func aWitnessThatRefusesAForkedLogAddsNothingAndTheBankIsToldWhy() throws {
        let f = try ChainFixture()
        let w = try WitnessServer(f)
        #expect(try f.append(records(5)).status == 0)
        try w.serve(["--init"])
        #expect(try w.submit(out: f.dir.file("cp1").path).status == 0)
        try w.serve()
        let state = try text(try w.notary.stateFile())
        // Another chain under the same origin and key: a fork of the log.
        let fork = f.dir.file("fork.jsonl").path
        #expect(try Tools.run("evchain", ["init", fork, "--origin", f.origin]).status == 0)
        #expect(try Tools.run("evchain", ["append", fork], stdin: records(7, tag: "fork")).status == 0)
        let out = f.dir.file("fork.cp").path
        let r = try w.submit(fork, out: out)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(w.url)/add-checkpoint: witness notary.example/witness refused the checkpoint: HTTP 422"), "\(r.stderr)")
        #expect(r.stderr.contains("inconsistent with the one cosigned at size 5"), "\(r.stderr)")
        #expect(!(try text(out).contains("\u{2014} notary.example/witness ")))
        #expect(try text(try w.notary.stateFile()) == state)
        #expect(!(try text(fork + ".checkpoints/7").contains("\u{2014} notary.example/witness ")))
        // The fork's bank knew nothing of the witness: 409 told it 5, and the proof from 5 failed.
        #expect(w.requests.suffix(2) == ["old=0 -> 409", "old=5 -> 422"])
    }

    @Test func aForgedCosignatureFromTheServerIsNeverAdded() throws {
        let f = try ChainFixture()
        let w = try WitnessServer(f)
        #expect(try f.append(records(5)).status == 0)
        try w.serve(["--init"], forge: true)
        let out = f.dir.file("cp").path
        let r = try w.submit(out: out)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("refused the checkpoint: cosignature by notary.example/witness does not verify"), "\(r.stderr)")
        #expect(!(try text(out).contains("\u{2014} notary.example/witness ")))
        #expect(try text(out).contains("\u{2014} \(f.origin) "))
    }

    @Test func aWitnessThatCannotBeReachedIsANetworkError() throws {
        let f = try ChainFixture()
        let n = try NotaryFixture(f)
        #expect(try f.append(records(2)).status == 0)
        let r = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--out", f.dir.file("cp").path,
                                          "--witness", "http://127.0.0.1:9=\(n.vkey)"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("http://127.0.0.1:9/add-checkpoint: connection refused"), "\(r.stderr)")
        let logKey = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--witness", "http://127.0.0.1:9=\(f.vkey)"])
        #expect(logKey.status == 2, "\(logKey.stderr)")
        let noURL = try Tools.run("evchain", ["checkpoint", f.chain, "--key", f.key, "--witness", n.vkey])
        #expect(noURL.status == 2 && noURL.stderr.contains("URL=VKEY"), "\(noURL.stderr)")
    }
}

/// The notary's CGI program on its own: each refusal of c2sp.org/tlog-witness
/// with its status, in the response the web server passes on.
@Suite struct WitnessCGITests {
    let f: ChainFixture
    let n: NotaryFixture

    init() throws {
        f = try ChainFixture()
        n = try NotaryFixture(f)
    }

    func cgi(_ body: String, method: String = "POST", _ extra: [String] = []) throws -> ToolResult {
        try Tools.run("evchain", ["cosign", "--cgi", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state] + extra,
                      stdin: Data(body.utf8), environment: ["REQUEST_METHOD": method, "CONTENT_LENGTH": String(body.utf8.count)])
    }

    func checkpoint(_ name: String) throws -> String {
        let path = f.dir.file(name).path
        #expect(try f.checkpoint(out: path).status == 0)
        return try text(path)
    }

    @Test func eachRefusalHasTheSpecsStatus() throws {
        #expect(try f.append(records(5)).status == 0)
        let cp5 = try checkpoint("cp5")
        let noState = try cgi("old 0\n\n" + cp5)
        #expect(noState.out.hasPrefix("Status: 500 "), "\(noState.out)")
        #expect(noState.status == 3 && noState.stderr.contains("no state for log"), "\(noState.stderr)")
        let first = try cgi("old 0\n\n" + cp5, ["--init"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.out.hasPrefix("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\u{2014} notary.example/witness "), "\(first.out)")
        #expect(first.stdout.filter { $0 == 0x0A }.count == 4)  // three header lines, one signature line
        #expect(try f.append(records(3, tag: "b")).status == 0)
        let cp8 = try checkpoint("cp8")
        let conflict = try cgi("old 0\n\n" + cp8)
        #expect(conflict.out == "Status: 409 Conflict\r\nContent-Type: text/x.tlog.size\r\n\r\n5\n", "\(conflict.out)")
        #expect(conflict.status == 1)
        let beyond = try cgi("old 9\n\n" + cp8)
        #expect(beyond.out.hasPrefix("Status: 400 "), "\(beyond.out)")
        let leaf = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        let badProof = try cgi("old 5\n\(leaf)\n\n" + cp8)
        #expect(badProof.out.hasPrefix("Status: 422 "), "\(badProof.out)")
        #expect(badProof.status == 1)
        let notARequest = try cgi(cp8)
        #expect(notARequest.out.hasPrefix("Status: 400 "), "\(notARequest.out)")
        #expect(try cgi("", method: "GET").out.hasPrefix("Status: 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nAllow: POST\r\n"))
        // Another log's checkpoint: unknown (404); this log's name under another key: bad signature (403).
        let other = try ChainFixture()
        #expect(try other.append(records(1)).status == 0)
        let otherPath = other.dir.file("cp").path
        #expect(try other.checkpoint(out: otherPath).status == 0)
        let otherText = try text(otherPath).replacingOccurrences(of: other.origin, with: "other.example/log")
        #expect(try cgi("old 0\n\n" + otherText).out.hasPrefix("Status: 404 "))
        #expect(try cgi("old 5\n\n" + text(otherPath).replacingOccurrences(of: "\n1\n", with: "\n5\n")).out.hasPrefix("Status: 403 "))
        // All of that changed nothing: the next request from 5 is cosigned.
        let p = try Tools.run("evchain", ["consistency", f.chain, "--from", "5", "--checkpoint", f.dir.file("cp8").path])
        let path = try #require(try JSONSerialization.jsonObject(with: p.stdout) as? [String: Any])["proof"] as! [String]
        let lines = path.map { hex in
            Data((0..<32).map { i in UInt8(hex.dropFirst(i * 2).prefix(2), radix: 16)! }).base64EncodedString() + "\n"
        }
        let grown = try cgi("old 5\n" + lines.joined() + "\n" + cp8)
        #expect(grown.out.hasPrefix("Status: 200 OK"), "\(grown.out) \(grown.stderr)")
    }

    @Test func withoutCGITheRequestIsReadFromStdinAndTheReplyIsTheCosignatureLine() throws {
        #expect(try f.append(records(4)).status == 0)
        let cp = try checkpoint("cp")
        let args = ["cosign", "--add-checkpoint", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state]
        let r = try Tools.run("evchain", args + ["--init"], stdin: "old 0\n\n" + cp)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.out.hasPrefix("\u{2014} notary.example/witness ") && r.lines.count == 1, "\(r.out)")
        #expect(try independent("note_verify.py", [n.vkey], stdin: Data((cp + r.out).utf8)).out == "ok\n")
        let conflict = try Tools.run("evchain", args, stdin: "old 2\n\n" + cp)
        #expect(conflict.status == 1 && conflict.stderr.contains("old size 2 is not the size 4 this witness last cosigned"), "\(conflict.stderr)")
        // A request body without --add-checkpoint is named for what it is.
        let plain = try Tools.run("evchain", ["cosign", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state], stdin: "old 4\n\n" + cp)
        #expect(plain.status == 2 && plain.stderr.contains("give --add-checkpoint"), "\(plain.stderr)")
    }

    /// The example request of c2sp.org/tlog-witness (add-checkpoint,
    /// Tests/Vectors/c2sp-tlog-witness-examples.json): parsed, and refused as
    /// a log this witness does not know.
    @Test func theSpecsExampleRequestIsReadAndItsUnknownLogRefused() throws {
        let url = independentDirectory.deletingLastPathComponent().appendingPathComponent("Vectors/c2sp-tlog-witness-examples.json")
        let examples = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let example = try #require(examples["add_checkpoint_request"] as? String)
        let r = try cgi(example, ["--init"])
        #expect(r.out.hasPrefix("Status: 404 Not Found\r\n"), "\(r.out)")
        #expect(r.out.contains("checkpoint origin \"example.com/behind-the-sofa\" is not the witnessed log"), "\(r.out)")
        #expect(r.status == 1)
    }
}
