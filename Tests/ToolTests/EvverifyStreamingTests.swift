import Foundation
import Testing
@testable import EvidenceLog

/// evverify streams its items (issue 20 item 4): memory bounded by
/// `--id-memory` and `--output-memory`, not by the number of items, while
/// what it refuses and what it writes stay those of a run that kept
/// everything: a duplicate id anywhere is refused naming both lines, and a
/// bad line anywhere leaves standard output empty.
@Suite struct EvverifyStreamingTests {
    static let nfc = "C9/esign/caf\u{E9}.pdf"
    static let nfd = "C9/esign/cafe\u{301}.pdf"

    /// A log of `count` records, checkpointed, and the records as items.
    static func logged(_ count: Int) throws -> (ChainFixture, String) {
        let f = try ChainFixture()
        let items = records(count, contract: "C7")
        let a = try f.append(items)
        try #require(a.status == 0, "\(a.stderr)")
        let c = try f.checkpoint()
        try #require(c.status == 0, "\(c.stderr)")
        return (f, items)
    }

    static func verify(_ f: ChainFixture, _ extra: [String], stdin: String) throws -> ToolResult {
        try Tools.run("evverify", ["--records-only", "--no-witness", "--chain", f.chain, "--log-key", f.vkey] + extra,
                      stdin: stdin)
    }

    /// The bank edits one stored hash of `CHAIN.hashes`: entry 101's leaf
    /// hash, the sibling in entry 100's audit path. Over a stream of 600
    /// items, whose workers remember the subtrees they have proven, entry
    /// 100 is unproven and every other item ok (entry 101's own leaf comes
    /// from its entry, not from the edited file): a remembered subtree
    /// never stands in for a hash a walk read wrong.
    @Test func anEditedStoredHashLeavesItsItemUnproven() throws {
        let (f, items) = try Self.logged(600)
        let offset = StoredHash.index(level: 0, n: 101) * UInt64(Hash.size)
        let hashes = try FileHandle(forUpdating: URL(fileURLWithPath: f.chain + ".hashes"))
        try hashes.seek(toOffset: offset)
        var byte = try #require(try hashes.read(upToCount: 1))
        byte[0] ^= 0x01
        try hashes.seek(toOffset: offset)
        try hashes.write(contentsOf: byte)
        try hashes.close()
        let r = try Self.verify(f, [], stdin: items)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.objects.count == 600)
        let failed = r.objects.filter { $0["status"] as? String != "ok" }
        #expect(failed.map { $0["id"] as? String } == ["C7/esign/doc100.pdf"], "\(failed)")
        #expect(failed.first?["status"] as? String == "unproven")
        #expect((failed.first?["reason"] as? String)?.contains("inclusion proof does not lead to the checkpoint root") == true)
    }

    /// 3,000 items: several batches, the ids spilled dozens of times and
    /// the output held on disk. The verdicts are byte for byte those of
    /// the unbounded run, in input order.
    @Test func aSpilledRunWritesWhatAnUnboundedRunWrites() throws {
        let (f, items) = try Self.logged(3000)
        let plain = try Self.verify(f, [], stdin: items)
        try #require(plain.status == 0, "\(plain.stderr)")
        #expect(plain.lines.count == 3000)
        #expect(plain.objects.allSatisfy { $0["status"] as? String == "ok" })
        let ids = plain.objects.map { $0["id"] as? String }
        #expect(ids == (0..<3000).map { "C7/esign/doc\($0).pdf" })
        let spilled = try Self.verify(f, ["--id-memory", "4096", "--output-memory", "1"], stdin: items)
        #expect(spilled.status == 0, "\(spilled.stderr)")
        #expect(spilled.stdout == plain.stdout)
    }

    /// A copy of line 5 after 3,000 lines, the ids long spilled: refused
    /// naming both lines (exit 2), and none of the 3,000 verdicts written.
    @Test func aDuplicateAfterTheIDsSpilledIsRefusedAndNothingIsWritten() throws {
        let (f, items) = try Self.logged(3000)
        let line5 = items.split(separator: "\n")[4]
        let r = try Self.verify(f, ["--id-memory", "4096", "--output-memory", "1"], stdin: items + line5 + "\n")
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("stdin:3001: duplicate id \"C7/esign/doc4.pdf\" (also at stdin:5)"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// A bad last line (malformed JSON, a manifest line among records,
    /// invalid UTF-8) after the output went to disk: exit 2 naming the
    /// line, and standard output empty.
    @Test func aBadLastLineLeavesTheOutputEmpty() throws {
        let (f, items) = try Self.logged(3000)
        for bad in [#"{"id":"x","digest":"#, #"{"path":"a.pdf","contract":"C7","stage":"esign"}"#] {
            let r = try Self.verify(f, ["--output-memory", "1"], stdin: items + bad + "\n")
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("stdin:3001:"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        var bytes = Data(items.utf8)
        bytes.append(contentsOf: Array(#"{"id":"C7/esign/"#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
        let r = try Tools.run("evverify", ["--records-only", "--no-witness", "--chain", f.chain, "--log-key", f.vkey,
                                           "--output-memory", "1"], stdin: bytes)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("stdin:3001:"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// Ids are bytes: an item whose id differs from another's only in
    /// Unicode normalisation is another item (not a duplicate), and not
    /// logged here; a second copy of that twin is a duplicate.
    @Test func aLookAlikeIsAnotherItemButItsCopyIsADuplicate() throws {
        let f = try ChainFixture()
        let digest = String(repeating: "ab", count: 32)
        let record = { (id: String) in #"{"id":"\#(id)","contract":"C9","stage":"esign","alg":"sha256","digest":"\#(digest)"}"# }
        try #require(try f.append(record(Self.nfc) + "\n").status == 0)
        try #require(try f.checkpoint().status == 0)
        let twins = try Self.verify(f, ["--id-memory", "4096"], stdin: record(Self.nfc) + "\n" + record(Self.nfd) + "\n")
        #expect(twins.status == 1, "\(twins.stderr)")
        #expect(twins.objects.map { $0["status"] as? String } == ["ok", "missing"])
        let copy = try Self.verify(f, [], stdin: [record(Self.nfc), record(Self.nfd), record(Self.nfd)].joined(separator: "\n") + "\n")
        #expect(copy.status == 2, "\(copy.stderr)")
        #expect(copy.stderr.contains("stdin:3: duplicate id") && copy.stderr.contains("(also at stdin:2)"), "\(copy.stderr)")
        #expect(copy.stdout.isEmpty)
    }

    /// The bounds are checked: an id memory below 4096 bytes is a usage error.
    @Test func aTooSmallIDMemoryIsAUsageError() throws {
        let (f, items) = try Self.logged(1)
        let r = try Self.verify(f, ["--id-memory", "4095"], stdin: items)
        #expect(r.status == 2 && r.stderr.contains("--id-memory"), "\(r.stderr)")
    }

    /// A scratch directory that cannot take the held-back verdicts is an
    /// I/O error (exit 3) that names it, and nothing is written.
    @Test func anUnwritableScratchDirectoryIsAnIOError() throws {
        let (f, items) = try Self.logged(600)
        let r = try Tools.run("evverify", ["--records-only", "--no-witness", "--chain", f.chain, "--log-key", f.vkey,
                                           "--output-memory", "1"],
                              stdin: Data(items.utf8), environment: ["TMPDIR": "/nonexistent/evverify"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/evverify") && r.stderr.contains("verdicts held back"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// Peak memory does not grow with the items: all 40,000 entries of a
    /// log verified take at most a few megabytes more than 4,000 of them
    /// (the log's pages read, not the items: the old run kept ~1.9 KB an
    /// item, 68 MB more here). The ids spill (`--id-memory`); with
    /// `--status` nothing is held back for output.
    @Test func peakMemoryDoesNotGrowWithTheItems() throws {
        let (f, items) = try Self.logged(40_000)
        func peakKiB(_ count: Int) throws -> Int {
            let lines = items.split(separator: "\n").prefix(count)
            let input = try f.dir.write("items-\(count).jsonl", lines.joined(separator: "\n") + "\n")
            let r = try Tools.runExecutable("python3", ["-c", """
                import resource, subprocess, sys
                with open(sys.argv[4]) as i:
                    status = subprocess.run([sys.argv[1], "--status", "--id-memory", "4096", "--records-only", "--no-witness",
                                             "--chain", sys.argv[2], "--log-key", sys.argv[3]], stdin=i).returncode
                print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
                """, Tools.url("evverify").path, f.chain, f.vkey, input.path])
            let fields = r.out.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try #require(fields.count == 2 && fields[0] == 0, "\(r.out) \(r.stderr)")
            return try #require(fields[1])
        }
        let small = try peakKiB(4_000)
        let large = try peakKiB(40_000)
        #expect(large - small < 16_384, "peak \(small) KiB for 4,000 items, \(large) KiB for 40,000")
    }
}
