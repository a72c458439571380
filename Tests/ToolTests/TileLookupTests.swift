import Foundation
import Testing
import EvidenceCrypto
import EvidenceSupport
import PythonHelpers
import Glibc

/// The sharded lookup of a tiles export (`lookup/<kind>/<hh>/<hh>`): kept
/// up to date incrementally, and never a way to an `ok` the tiles and the
/// checkpoint do not justify.

private func export(_ f: ChainFixture, _ out: String) throws -> [String: Any] {
    let t = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t.status == 0, "\(t.stderr)")
    return t.objects.first ?? [:]
}

/// A chain of `entries`, sealed and exported as tiles.
private func exported(_ entries: String) throws -> (ChainFixture, String) {
    let f = try ChainFixture()
    #expect(try f.append(entries).status == 0)
    #expect(try f.checkpoint().status == 0)
    let out = f.dir.file("tiles").path
    _ = try export(f, out)
    return (f, out)
}

private func verify(_ f: ChainFixture, _ source: [String], _ stdin: String, _ extra: [String] = []) throws -> ToolResult {
    try Tools.run("evverify", source + ["--log-key", f.vkey, "--no-witness", "--records-only"] + extra, stdin: stdin)
}

/// The shard file and the line key of an id, as the export names them.
private func shard(_ out: String, id: String) -> (path: String, key: String) {
    let hex = Hex.encode(DigestAlgorithm.sha256.hash(Array("evidence-tiles/lookup/v1/id".utf8) + [0] + Array(id.utf8)))
    let h = Array(hex)
    return ("\(out)/lookup/id/\(String(h[0..<2]))/\(String(h[2..<4]))", String(h[4..<20]))
}

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

@Suite(.serialized) struct TileLookupTests {
    @Test func aGrownExportRewritesOnlyTheShardsOfNewEntriesAndGivesTheChainsVerdicts() throws {
        let (f, out) = try exported(records(300, contract: "C0"))
        let first = lines(records(300, contract: "C0"))
        // Grown: a new contract, and an id of the first batch logged again with another digest.
        let relogged = first[3].replacingOccurrences(of: #"[0-9a-f]{64}"#, with: String(repeating: "e", count: 64),
                                                     options: .regularExpression)
        #expect(try f.append(records(40, contract: "C1") + relogged + "\n").status == 0)
        #expect(try f.checkpoint().status == 0)
        let second = try export(f, out)
        #expect(second["previous_size"] as? Int == 300 && second["tree_size"] as? Int == 341, "\(second)")
        // 41 entries give at most 82 shards, plus the tiles: not the 600 of a rewrite.
        #expect((second["files_written"] as? Int ?? 1000) < 100, "\(second)")
        let items = [first[0], first[3], first[299], lines(records(40, contract: "C1"))[39]].joined(separator: "\n") + "\n"
        let chain = try verify(f, ["--chain", f.chain], items)
        let statuses = chain.objects.map { $0["status"] as! String }
        #expect(statuses == ["ok", "mismatch", "ok", "ok"], "\(chain.out)")
        let server = try StaticHTTPServer(serving: out)
        let tiles = try verify(f, ["--tiles", server.url], items)
        #expect(tiles.status == chain.status && tiles.out == chain.out, "\(tiles.out)\n\(tiles.stderr)")
        // The relogged id's shard lists both of its entries.
        let (path, key) = shard(out, id: "C0/esign/doc3.pdf")
        let listed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(listed.contains("\(key) 3\n") && listed.contains("\(key) 340\n"), "\(listed)")
    }

    @Test func anExportOfAnOlderLayoutHasItsLookupRebuiltFromTheFirstEntry() throws {
        let (f, out) = try exported(records(300, contract: "C0"))
        // An older export: its lookup is not in this layout (no lookup/format).
        try FileManager.default.removeItem(atPath: "\(out)/lookup")
        #expect(try f.append(records(10, contract: "C1")).status == 0)
        #expect(try f.checkpoint().status == 0)
        _ = try export(f, out)
        let item = String(lines(records(300, contract: "C0"))[17]) + "\n"
        let r = try verify(f, ["--tiles", out], item)
        #expect(r.status == 0 && r.objects.first?["status"] as? String == "ok", "\(r.out)\(r.stderr)")
    }

    @Test func aShardEditedOnTheServerIsNeverOKAndGarbageIsAnIOError() throws {
        let (f, out) = try exported(records(300, contract: "C0"))
        let logged = lines(records(300, contract: "C0"))
        // The shard of doc7 sent to the entry of doc8: the entry is not doc7's,
        // so it is ignored, and a doc7 claiming doc8's digest is missing.
        let (path, key) = shard(out, id: "C0/esign/doc7.pdf")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\(key) 7\n", with: "\(key) 8\n").write(toFile: path, atomically: true, encoding: .utf8)
        let digest8 = try #require(logged[8].range(of: #"[0-9a-f]{64}"#, options: .regularExpression))
        let claimed = logged[7].replacingOccurrences(of: #"[0-9a-f]{64}"#, with: String(logged[8][digest8]),
                                                     options: .regularExpression)
        let server = try StaticHTTPServer(serving: out)
        let r = try verify(f, ["--tiles", server.url], claimed + "\n")
        #expect(r.status == 1 && r.objects.first?["status"] as? String == "missing", "\(r.out)")
        // A shard that is not a shard: an I/O error naming it, nothing on stdout.
        try "<html>not found</html>\n".write(toFile: path, atomically: true, encoding: .utf8)
        let g = try verify(f, ["--tiles", server.url], String(logged[7]) + "\n")
        let name = String(path.dropFirst(out.count + 1))
        #expect(g.status == 3 && g.stderr.contains(name) && g.stderr.contains("expected"), "\(g.stderr)")
        #expect(g.stdout.isEmpty)
    }

    @Test func aServerThatAnswersGarbageIsAClearIOError() throws {
        let (f, out) = try exported(records(3, contract: "C0"))
        let garbage = try StaticHTTPServer(serving: out, arguments: ["-u", "-c", """
            import socketserver
            class H(socketserver.StreamRequestHandler):
                def handle(self):
                    self.rfile.readline(); self.wfile.write(b"\\x00\\x01 this is not HTTP\\r\\n\\r\\n")
            s = socketserver.TCPServer(("127.0.0.1", 0), H)
            print("port", s.server_address[1]); s.serve_forever()
            """])
        let r = try verify(f, ["--tiles", garbage.url], String(lines(records(3, contract: "C0"))[0]) + "\n")
        #expect(r.status == 3 && r.stderr.contains("malformed HTTP reply"), "[\(r.stderr)]")
        #expect(r.stdout.isEmpty)
    }
}

/// A killed export leaves its temporaries only in the staging folder, and
/// the next export removes them and says so (issue 20: `*.tmp.PID` files
/// beside the tiles once stayed forever); nothing a reader fetches is a
/// temporary, and the export is whole afterwards.
@Test func aKilledExportsLeftoversAreRemovedByTheNextAndSaid() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(600)).status == 0)
    #expect(try f.checkpoint().status == 0)
    let out = f.dir.file("tiles").path
    let killed = try Tools.run("evchain", ["tiles", f.chain, "--out", out], environment: ["EVIDENCE_CRASH_AT": "tiles.staged"])
    #expect(killed.status == SIGKILL, "\(killed.status) \(killed.stderr)")
    let staging = out + "/.evchain-export.tmp"
    let left = try FileManager.default.contentsOfDirectory(atPath: staging)
    #expect(left.count > 3, "\(left)")
    // Nothing outside the staging folder: no temporary, and no checkpoint yet.
    let published = try FileManager.default.subpathsOfDirectory(atPath: out).filter { !$0.hasPrefix(".evchain-export.tmp") }
    #expect(!published.contains { $0.contains(".tmp") }, "\(published)")
    #expect(!published.contains("checkpoint"))

    let again = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stderr.contains("removed \(left.count) temporary files left by an interrupted export"), "\(again.stderr)")
    #expect(!FileManager.default.fileExists(atPath: staging))
    let all = try FileManager.default.subpathsOfDirectory(atPath: out)
    #expect(!all.contains { $0.contains(".tmp") }, "\(all.filter { $0.contains(".tmp") })")
    let server = try StaticHTTPServer(serving: out)
    let items = records(600).split(separator: "\n").prefix(3).joined(separator: "\n") + "\n"
    let v = try Tools.run("evverify", ["--tiles", server.url, "--log-key", f.vkey, "--no-witness", "--records-only"], stdin: items)
    #expect(v.status == 0 && v.objects.count == 3, "\(v.out)\(v.stderr)")
    // A clean export has nothing to remove and says nothing of it.
    let third = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(third.status == 0 && !third.stderr.contains("removed"), "\(third.stderr)")
}
