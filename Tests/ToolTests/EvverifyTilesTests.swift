import Foundation
import Testing
import PythonHelpers
import Glibc

/// Verification from published tiles (`evchain tiles`), as a notary or an
/// arbitration commission does it without the bank's chain file: each test
/// first tries to get an `ok` the tiles do not justify.

/// A sealed chain of `sizes` batches (contract A, B, …) exported as tiles.
private func tiledChain(_ counts: [Int] = [300, 100]) throws -> (ChainFixture, String) {
    let f = try ChainFixture()
    for (i, n) in counts.enumerated() {
        #expect(try f.append(records(n, contract: "C\(i)")).status == 0)
    }
    #expect(try f.checkpoint().status == 0)
    let out = f.dir.file("tiles").path
    let t = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t.status == 0, "\(t.stderr)")
    return (f, out)
}

private func items(_ f: ChainFixture) -> String {
    let logged = records(300, contract: "C0").split(separator: "\n")
    let other = records(100, contract: "C1").split(separator: "\n")
    let changed = logged[7].replacingOccurrences(of: #"[0-9a-f]{64}"#, with: String(repeating: "f", count: 64),
                                                 options: .regularExpression)
    return ([logged[0], logged[255], logged[299], other[99], Substring(changed)]
            + records(1, contract: "C9").split(separator: "\n")).joined(separator: "\n") + "\n"
}

private func verify(_ f: ChainFixture, _ source: [String], _ stdin: String, _ extra: [String] = []) throws -> ToolResult {
    try Tools.run("evverify", source + ["--log-key", f.vkey, "--no-witness", "--records-only"] + extra, stdin: stdin)
}

@Suite(.serialized) struct EvverifyTilesTests {
    @Test func tilesGiveTheVerdictsOfTheChainFromADirectoryAndOverHTTP() throws {
        let (f, out) = try tiledChain()
        let stdin = items(f)
        let chain = try verify(f, ["--chain", f.chain], stdin)
        #expect(chain.status == 1)
        let statuses = chain.objects.map { $0["status"] as! String }
        #expect(statuses == ["ok", "ok", "ok", "ok", "mismatch", "missing"], "\(chain.out)")
        let dir = try verify(f, ["--tiles", out], stdin)
        let server = try StaticHTTPServer(serving: out)
        let http = try verify(f, ["--tiles", server.url], stdin)
        for r in [dir, http] {
            #expect(r.status == chain.status, "\(r.stderr)")
            #expect(r.out == chain.out)
        }
        let text = try verify(f, ["--tiles", server.url + "/"], stdin, ["--text"])
        #expect(text.lines.first?.hasPrefix("C0/esign/doc0.pdf: OK") == true, "\(text.out)")
        // What the lookup cannot vouch for is refused, not guessed: with
        // --complete, the contract index must vouch for it, and no index
        // witness did (the claim would rest on the bank's signature alone).
        let complete = try verify(f, ["--tiles", out], stdin, ["--complete"])
        #expect(complete.status == 1 && complete.stderr.contains("--accept-bank-index"), "\(complete.stderr)")
    }

    @Test func anEditedTileOrEntryBundleIsNeverOK() throws {
        let (f, out) = try tiledChain()
        let logged = records(300, contract: "C0").split(separator: "\n")
        // The sibling of leaf 0 in the level-0 tile.
        var tile = try Data(contentsOf: URL(fileURLWithPath: "\(out)/tile/0/000"))
        tile[40] ^= 1
        try tile.write(to: URL(fileURLWithPath: "\(out)/tile/0/000"))
        let server = try StaticHTTPServer(serving: out)
        let r = try verify(f, ["--tiles", server.url], String(logged[0]) + "\n")
        #expect(r.status == 1)
        #expect(r.objects.first?["status"] as? String == "unproven", "\(r.out)")
        // An entry rewritten in its bundle to carry another digest.
        let bundlePath = "\(out)/tile/entries/000"
        var bundle = try Data(contentsOf: URL(fileURLWithPath: bundlePath))
        let digest = try #require(logged[5].range(of: #"[0-9a-f]{64}"#, options: .regularExpression)).lowerBound
        let old = String(logged[5][digest...].prefix(64))
        let forged = String(repeating: "a", count: 64)
        let at = try #require(bundle.range(of: Data(old.utf8)))
        bundle.replaceSubrange(at, with: Data(forged.utf8))
        try bundle.write(to: URL(fileURLWithPath: bundlePath))
        let claimed = logged[5].replacingOccurrences(of: old, with: forged)
        let e = try verify(f, ["--tiles", server.url], claimed + "\n")
        #expect(e.status == 1, "\(e.stderr)")
        #expect(e.objects.first?["status"] as? String == "unproven", "\(e.out)")
        // A lookup file removed: the item is missing, not ok.
        let lookups = FileManager.default.enumerator(atPath: "\(out)/lookup/id")!.compactMap { $0 as? String }
        for l in lookups where l.count > 3 { try FileManager.default.removeItem(atPath: "\(out)/lookup/id/\(l)") }
        let m = try verify(f, ["--tiles", server.url], String(logged[299]) + "\n")
        #expect(m.status == 1 && m.objects.first?["status"] as? String == "missing", "\(m.out)")
    }

    @Test func aServerThatAnswers404AShortBodyOrGarbageIsAClearError() throws {
        let (f, out) = try tiledChain()
        let item = String(records(1, contract: "C0").split(separator: "\n")[0]) + "\n"
        let server = try StaticHTTPServer(serving: out)
        let notFound = try verify(f, ["--tiles", server.url + "/nowhere"], item)
        #expect(notFound.status == 3 && notFound.stderr.contains("checkpoint") && notFound.stderr.contains("not found"), "\(notFound.stderr)")
        #expect(notFound.stdout.isEmpty)
        // A tile cut short on the server.
        let tilePath = "\(out)/tile/0/000"
        let tile = try Data(contentsOf: URL(fileURLWithPath: tilePath))
        try tile.prefix(100).write(to: URL(fileURLWithPath: tilePath))
        let garbage = try verify(f, ["--tiles", server.url], item)
        #expect(garbage.status == 3 && garbage.stderr.contains("tile/0/000") && garbage.stderr.contains("expected 8192 bytes"), "\(garbage.stderr)")
        #expect(garbage.stdout.isEmpty)
        // A server that promises more bytes than it sends.
        let liar = try StaticHTTPServer(serving: out, arguments: ["-u", "-c", """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.send_header("Content-Length", "9999"); self.end_headers()
                    self.wfile.write(b"short")
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            print("port", s.server_address[1]); s.serve_forever()
            """])
        let short = try verify(f, ["--tiles", liar.url], item)
        #expect(short.status == 3 && short.stderr.contains("shorter than its Content-Length"), "\(short.stderr)")
        #expect(short.stdout.isEmpty)
    }

    @Test func fetchesStayWithinThreeTilesPerLevelAndItem() throws {
        let (f, out) = try tiledChain([3000])
        let logged = records(3000, contract: "C0").split(separator: "\n")
        let picked = (0..<20).map { logged[($0 * 149 + 11) % 3000] }.joined(separator: "\n") + "\n"
        let server = try StaticHTTPServer(serving: out)
        let r = try verify(f, ["--tiles", server.url], picked)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.count == 20)
        // 3 × 20 × log2(n) / 8 fetches at most, every file counted.
        let bound = 3.0 * 20.0 * log2(3000.0) / 8.0
        #expect(Double(server.gets) <= bound, "\(server.gets) fetches")
    }

    @Test func theWitnessCosignsFromTilesOnlyACheckpointConsistentWithWhatItCosigned() throws {
        let (f, out) = try tiledChain([300])
        let n = try NotaryFixture(f)
        let server = try StaticHTTPServer(serving: out)
        let first = try n.cosign(f.chain + ".checkpoint", ["--init"])
        #expect(first.status == 0, "\(first.stderr)")
        // The log grows; the witness proves 300 → 700 itself from the tiles.
        #expect(try f.append(records(400, contract: "C1")).status == 0)
        #expect(try f.checkpoint().status == 0)
        #expect(try Tools.run("evchain", ["tiles", f.chain, "--out", out]).status == 0)
        let grown = try Tools.run("evchain", ["cosign", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state,
                                              "--tiles", server.url])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(grown.out.contains("\n700\n") && grown.out.contains("notary.example/witness"), "\(grown.out)")
        // A fork: same log key, another history of 900 entries.
        let fork = try ChainFixture()
        #expect(try fork.append(records(900, contract: "F")).status == 0)
        let forkCP = fork.dir.file("fork.checkpoint").path
        let c = try Tools.run("evchain", ["checkpoint", fork.chain, "--key", f.key, "--out", forkCP])
        try #require(c.status == 0, "\(c.stderr)")
        let forkTiles = fork.dir.file("tiles").path
        #expect(try Tools.run("evchain", ["tiles", fork.chain, "--out", forkTiles, "--checkpoint", forkCP]).status == 0)
        let split = try Tools.run("evchain", ["cosign", "--witness-key", n.key, "--log-key", f.vkey, "--state", n.state,
                                              "--tiles", forkTiles, forkCP])
        #expect(split.status == 1 && split.stderr.contains("inconsistent"), "\(split.stderr)")
        #expect(split.stdout.isEmpty)
    }
}
