import Foundation
import Testing
import EvidenceCrypto
import EvidenceSupport
import PythonHelpers
import Glibc

/// `--complete` and `--require-stages` from a tiles export (issue 19 item
/// 4): the lookup shards are a hint, the contract index tiles give the
/// contract's value proven against the checkpoint's index root, and the
/// entries fetched must reproduce it exactly. Each test plays a dishonest
/// bank editing what it serves and expects a failure, never an `ok`.

/// The flag that lets a completeness claim rest on the log's own signature
/// (these tests have no index witness).
private let bankIndex = ["--accept-bank-index"]

/// A chain of `entries`, sealed and exported as tiles.
private func exported(_ entries: String) throws -> (ChainFixture, String) {
    let f = try ChainFixture()
    #expect(try f.append(entries).status == 0)
    #expect(try f.checkpoint().status == 0)
    let out = f.dir.file("tiles").path
    try export(f, out)
    return (f, out)
}

private func export(_ f: ChainFixture, _ out: String) throws {
    let t = try Tools.run("evchain", ["tiles", f.chain, "--out", out])
    #expect(t.status == 0, "\(t.stderr)")
}

private func verify(_ f: ChainFixture, _ source: [String], _ stdin: String, _ extra: [String]) throws -> ToolResult {
    try Tools.run("evverify", source + ["--log-key", f.vkey, "--no-witness", "--records-only"] + extra, stdin: stdin)
}

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }
private func joined(_ lines: some Sequence<Substring>) -> String { lines.joined(separator: "\n") + "\n" }

/// The lookup shard of a name and its line key, as the export names them.
private func shard(_ out: String, _ kind: String, _ name: String) -> (path: String, key: String) {
    let h = Array(Hex.encode(DigestAlgorithm.sha256.hash(Array("evidence-tiles/lookup/v1/\(kind)".utf8) + [0] + Array(name.utf8))))
    return ("\(out)/lookup/\(kind)/\(String(h[0..<2]))/\(String(h[2..<4]))", String(h[4..<20]))
}

/// Removes the line `<key> <seq>` from a lookup shard, as a bank would.
private func dropLookupLine(_ out: String, _ kind: String, _ name: String, seq: Int) throws {
    let (path, key) = shard(out, kind, name)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("\(key) \(seq)\n"))
    try text.replacingOccurrences(of: "\(key) \(seq)\n", with: "").write(toFile: path, atomically: true, encoding: .utf8)
}

/// The index files of a contract: top, its XX/top, its XX/YY shard.
private func indexPaths(_ out: String, _ contract: String) -> [String] {
    let key = Hex.encode(DigestAlgorithm.sha256.hash([0x10] + Array(contract.utf8)))
    return ["\(out)/contract-index/top", "\(out)/contract-index/\(key.prefix(2))/top",
            "\(out)/contract-index/\(key.prefix(2))/\(key.dropFirst(2).prefix(2))"]
}

@Suite(.serialized) struct TileCompletenessTests {
    @Test func completeFromTilesGivesTheChainsVerdictsFromADirectoryAndOverHTTP() throws {
        let (f, out) = try exported(records(20, contract: "C0") + records(10, contract: "C1"))
        let c0 = lines(records(20, contract: "C0"))
        // All presented: ok. One withheld: a `missing` verdict naming it, as from the chain.
        for presented in [c0[...], c0.prefix(5) + c0.dropFirst(6)] {
            let stdin = joined(presented)
            let chain = try verify(f, ["--chain", f.chain], stdin, ["--complete"] + bankIndex)
            #expect(chain.status == (presented.count == 20 ? 0 : 1), "\(chain.out)\(chain.stderr)")
            let server = try StaticHTTPServer(serving: out)
            for source in [out, server.url] {
                let r = try verify(f, ["--tiles", source], stdin, ["--complete"] + bankIndex)
                #expect(r.status == chain.status && r.out == chain.out, "\(r.out)\n\(r.stderr)")
            }
        }
        let withheld = try verify(f, ["--tiles", out], joined(c0.prefix(5) + c0.dropFirst(6)), ["--complete"] + bankIndex)
        #expect(withheld.objects.last?["status"] as? String == "missing"
                && withheld.objects.last?["id"] as? String == "C0/esign/doc5.pdf", "\(withheld.out)")
        // A contract the log never held: its absence is proven, the item is missing.
        let none = try verify(f, ["--tiles", out], records(1, contract: "C9"), ["--complete"] + bankIndex)
        #expect(none.status == 1 && none.objects.map { $0["status"] as? String } == ["missing"], "\(none.out)\(none.stderr)")
    }

    @Test func aShardThatDropsAReloggedConflictIsNeverOK() throws {
        // doc3 of C0 logged again with another digest, at seq 20.
        let c0 = lines(records(20, contract: "C0"))
        let relogged = c0[3].replacingOccurrences(of: #"[0-9a-f]{64}"#, with: String(repeating: "e", count: 64),
                                                  options: .regularExpression)
        let (f, out) = try exported(joined(c0) + relogged + "\n")
        let honest = try verify(f, ["--tiles", out], joined(c0), ["--complete"] + bankIndex)
        #expect(honest.status == 1 && honest.objects[3]["status"] as? String == "mismatch", "\(honest.out)\(honest.stderr)")
        // The bank hides seq 20 from both lookups.
        try dropLookupLine(out, "id", "C0/esign/doc3.pdf", seq: 20)
        try dropLookupLine(out, "contract", "C0", seq: 20)
        let server = try StaticHTTPServer(serving: out)
        let r = try verify(f, ["--tiles", server.url], joined(c0), ["--complete"] + bankIndex)
        #expect(r.status == 1, "\(r.out)\(r.stderr)")
        #expect(r.objects.allSatisfy { $0["status"] as? String == "ok" } == false || r.objects.isEmpty, "\(r.out)")
        #expect((r.out + r.stderr).contains("seq 20"), "\(r.out)\(r.stderr)")
    }

    @Test func aDroppedEntryIsNeverOK() throws {
        let c0 = lines(records(20, contract: "C0"))
        let (f, out) = try exported(joined(c0) + records(5, contract: "C1"))
        // doc7 not presented, and its line dropped from the contract's shard.
        try dropLookupLine(out, "contract", "C0", seq: 7)
        let presented = joined(c0.prefix(7) + c0.dropFirst(8))
        for extra in [["--complete"], ["--require-stages", "esign"]] {
            let r = try verify(f, ["--tiles", out], presented, extra + bankIndex)
            #expect(r.status == 1, "\(extra): \(r.out)\(r.stderr)")
            #expect((r.out + r.stderr).contains("C0") && (r.out + r.stderr).contains("20 entries"), "\(r.out)\(r.stderr)")
        }
    }

    @Test func anEditedIndexTileIsNeverOK() throws {
        let c0 = lines(records(20, contract: "C0"))
        let (f, out) = try exported(joined(c0) + records(5, contract: "C1"))
        let presented = joined(c0.prefix(19))
        let paths = indexPaths(out, "C0")
        for (path, offset) in [(paths[0], 33 * 7 + 5), (paths[2], 32 + 7), (paths[2], 40 + 7), (paths[2], 60)] {
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var edited = original
            edited[offset] ^= 0x01
            try edited.write(to: URL(fileURLWithPath: path))
            let r = try verify(f, ["--tiles", out], presented, ["--complete"] + bankIndex)
            #expect(r.status == 1, "\(path) @\(offset): \(r.out)\(r.stderr)")
            #expect(r.stderr.contains("index") || r.out.contains("index"), "\(r.out)\(r.stderr)")
            try original.write(to: URL(fileURLWithPath: path))
        }
        // A shard shown with the withheld entry's count taken off: 19 of 19 would look complete.
        let shardPath = paths[2]
        let records = try Data(contentsOf: URL(fileURLWithPath: shardPath))
        let key = Data(DigestAlgorithm.sha256.hash([0x10] + Array("C0".utf8)))
        let at = try #require(records.range(of: key)).lowerBound
        var fewer = records
        fewer[at + 39] = 19
        try fewer.write(to: URL(fileURLWithPath: shardPath))
        let r = try verify(f, ["--tiles", out], presented, ["--complete"] + bankIndex)
        #expect(r.status == 1, "\(r.out)\(r.stderr)")
    }

    @Test func staleIndexTilesFromAnOlderExportAreNeverOK() throws {
        let c0 = lines(records(25, contract: "C0"))
        let (f, out) = try exported(joined(c0.prefix(20)))
        let old = f.dir.file("old-index").path
        try FileManager.default.copyItem(atPath: "\(out)/contract-index", toPath: old)
        // The log grows by 5 entries of C0; the export is redone.
        #expect(try f.append(joined(c0.dropFirst(20))).status == 0)
        #expect(try f.checkpoint().status == 0)
        try export(f, out)
        let fresh = try verify(f, ["--tiles", out], joined(c0.prefix(20)), ["--complete"] + bankIndex)
        #expect(fresh.status == 1 && fresh.objects.count == 25, "\(fresh.out)\(fresh.stderr)")
        // The server keeps the index of the older export, and the lookup too:
        // the 20 entries look like all of C0.
        try FileManager.default.removeItem(atPath: "\(out)/contract-index")
        try FileManager.default.copyItem(atPath: old, toPath: "\(out)/contract-index")
        for seq in 20..<25 { try dropLookupLine(out, "contract", "C0", seq: seq) }
        let r = try verify(f, ["--tiles", out], joined(c0.prefix(20)), ["--complete"] + bankIndex)
        #expect(r.status == 1, "\(r.out)\(r.stderr)")
        #expect(r.stderr.contains("index"), "\(r.stderr)")
    }

    @Test func aGrownExportUpdatesOnlyTheIndexFilesItTouchesAndEqualsAFreshOne() throws {
        let (f, out) = try exported(records(300, contract: "C0") + records(30, contract: "C1"))
        let before = try snapshot("\(out)/contract-index")
        #expect(try f.append(records(5, contract: "C2") + records(2, contract: "C0", tag: "x")).status == 0)
        #expect(try f.checkpoint().status == 0)
        try export(f, out)
        let after = try snapshot("\(out)/contract-index")
        let changed = after.filter { before[$0.key] != $0.value }.keys.sorted()
        // C2's and C0's shards, their XX files (at most two each), top and format.
        #expect(changed.count <= 6 && changed.contains("top") && changed.contains("format"), "\(changed)")
        let freshOut = f.dir.file("fresh").path
        try export(f, freshOut)
        #expect(try snapshot("\(freshOut)/contract-index") == after)
        // A shard left unreadable or of another size (an export killed after
        // renaming some index files): the next export, which updates it,
        // notices that it does not fold to the root and rebuilds them all.
        let shardOfC0 = indexPaths(out, "C0")[2]
        try Data([0x00]).write(to: URL(fileURLWithPath: shardOfC0))
        #expect(try f.append(records(1, contract: "C0", tag: "y")).status == 0)
        #expect(try f.checkpoint().status == 0)
        try export(f, out)
        let freshAgain = f.dir.file("fresh2").path
        try export(f, freshAgain)
        #expect(try snapshot("\(out)/contract-index") == (try snapshot("\(freshAgain)/contract-index")))
    }

    @Test func requireStagesFromTilesUsesTheProvenEntries() throws {
        let (f, out) = try exported(records(3, contract: "C0") + records(1, contract: "C0", stage: "default"))
        let esign = records(3, contract: "C0")
        let r = try verify(f, ["--tiles", out], esign, ["--require-stages", "esign,default"] + bankIndex)
        #expect(r.status == 0, "\(r.out)\(r.stderr)")
        let gap = try verify(f, ["--tiles", out], esign, ["--require-stages", "esign,execution"] + bankIndex)
        #expect(gap.status == 1 && gap.objects.last?["stage"] as? String == "execution", "\(gap.out)\(gap.stderr)")
    }

    @Test func twentyItemsOverHTTPFetchAFewFilesMore() throws {
        let c0 = lines(records(20, contract: "C0"))
        var all = ""
        for i in 0..<40 { all += records(50, contract: "K\(i)") }
        let (f, out) = try exported(all + joined(c0))
        let server = try StaticHTTPServer(serving: out)
        let r = try verify(f, ["--tiles", server.url], joined(c0), ["--complete"] + bankIndex)
        #expect(r.status == 0, "\(r.out)\(r.stderr)")
        // Without --complete: the id shards, one bundle, the tiles; --complete
        // adds the contract's shard and three index files.
        let plain = try StaticHTTPServer(serving: out)
        #expect(try verify(f, ["--tiles", plain.url], joined(c0), []).status == 0)
        #expect(server.gets <= plain.gets + 4, "\(server.gets) vs \(plain.gets)")
    }
}

/// Every file under `dir` by relative path.
private func snapshot(_ dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for case let p as String in FileManager.default.enumerator(atPath: dir)! {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(dir)/\(p)", isDirectory: &isDir), !isDir.boolValue {
            out[p] = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(p)"))
        }
    }
    return out
}
