import Foundation
import Testing

/// Damaged files and extreme option values get a finding or an error
/// message, never a crash (a signal is not an exit status a script can act on).

@Test func shortHashesFileIsAFindingNotACrash() throws {
    for length in [0, 17] {
        let f = try ChainFixture()
        #expect(try f.append(records(4)).status == 0)
        let hashes = try FileHandle(forWritingTo: URL(fileURLWithPath: f.chain + ".hashes"))
        try hashes.truncate(atOffset: UInt64(length))
        try hashes.close()
        for args in [[], ["--repair"]] {
            let r = try f.audit(args)
            #expect(r.status == 1, "\(length) \(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(".hashes"), "\(r.stderr)")
        }
        let p = try Tools.run("evchain", ["consistency", f.chain, "--from", "1", "--to", "4"])
        #expect(p.status == 1, "\(p.stderr)")
        #expect(try f.append(records(1, tag: "x")).status == 1)
    }
}

@Test func corruptIndexOffsetIsAFindingNotACrash() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3)).status == 0)
    // Entry 1's end offset becomes 2^64-1 (a flipped sign byte).
    let index = try FileHandle(forWritingTo: URL(fileURLWithPath: f.chain + ".index"))
    try index.seek(toOffset: 8)
    index.write(Data(repeating: 0xff, count: 8))
    try index.close()
    let show = try Tools.run("evchain", ["show", f.chain, "--from", "2"])
    #expect(show.status == 1, "\(show.status) \(show.stderr)")
    #expect(show.stderr.contains(".index"), "\(show.stderr)")
    #expect(try f.audit().status == 1)
}

@Test func numericOptionsOutOfRangeAreUsageErrors() throws {
    let f = try ChainFixture()
    for buffer in ["100000000000", "9223372036854775807", "0", "4095"] {
        let r = try Tools.run("evchain", ["append", f.chain, "--buffer", buffer], stdin: records(2))
        #expect(r.status == 2, "--buffer \(buffer): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("--buffer"), "\(r.stderr)")
    }
    #expect(try f.sizes() == [0, 0, 0])
    #expect(try Tools.run("evchain", ["append", f.chain, "--buffer", "1073741824"], stdin: records(3)).status == 0)
    // The largest seq means "to the end".
    let all = try Tools.run("evchain", ["show", f.chain, "--to", String(UInt64.max)])
    #expect(all.status == 0, "\(all.status) \(all.stderr)")
    #expect(all.lines.count == 3)
    let none = try Tools.run("evchain", ["show", f.chain, "--from", String(UInt64.max), "--to", String(UInt64.max)])
    #expect(none.status == 0 && none.lines.isEmpty, "\(none.stderr)")
    let far = try Tools.run("evchain", ["consistency", f.chain, "--from", "1", "--to", String(UInt64.max)])
    #expect(far.status == 2, "\(far.stderr)")
}

@Test func recordTimesOutsideYears0To9999OrOnALeapSecondAreRefusedAtParseTime() throws {
    let dir = try TemporaryDirectory()
    func hash(_ time: String) throws -> ToolResult {
        try Tools.run("evhash", [], stdin: #"{"contract":"C1","stage":"esign","name":"n","time":"\#(time)","data":{"a":1}}"# + "\n",
                      directory: dir.url)
    }
    for time in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+00:01"] {
        let r = try hash(time)
        #expect(r.status == 2, "\(time): \(r.out) \(r.stderr)")
        #expect(r.stderr.contains("stdin:1:") && r.stderr.contains("year"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
    let leap = try hash("2016-12-31T23:59:60Z")
    #expect(leap.status == 2, "\(leap.out) \(leap.stderr)")
    #expect(leap.stderr.contains("leap second"), "\(leap.stderr)")
    // The edges themselves are fine.
    let last = try hash("9999-12-31T23:59:59Z")
    #expect(last.status == 0 && last.out.contains("9999-12-31T23:59:59Z"), "\(last.stderr)")
    let shifted = try hash("0000-01-01T00:00:00-00:01")
    #expect(shifted.status == 0 && shifted.out.contains("0000-01-01T00:01:00Z"), "\(shifted.stderr)")
}

@Test func checkpointLargerThanTheChainSaysCommittedEntriesAreMissing() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(5)).status == 0)
    #expect(try f.checkpoint().status == 0)
    // The index loses its last two commits (a restore from an old backup, a rollback).
    let index = try FileHandle(forWritingTo: URL(fileURLWithPath: f.chain + ".index"))
    try index.truncate(atOffset: 24)
    try index.close()
    let audit = try f.audit()
    #expect(audit.status == 1)
    #expect(audit.stderr.contains("signed at size 5") && audit.stderr.contains("3 committed"), "\(audit.stderr)")
    #expect(audit.stderr.contains("committed entries are missing"), "\(audit.stderr)")
    let prove = try Tools.run("evchain", ["prove", f.chain], stdin: "0\n")
    #expect(prove.status == 1)
    #expect(prove.stderr.contains("committed entries are missing"), "\(prove.stderr)")
}

/// Peak resident memory (KiB) of `evchain append --buffer 4096` over `count` records, measured by a parent
/// that runs only that process (RUSAGE_CHILDREN of a fresh python3). The receipts must be those of the
/// entries `show` lists.
func appendPeakKiB(records count: Int) throws -> Int {
    let f = try ChainFixture()
    let input = try f.dir.write("batch.jsonl", records(count))
    let receipts = f.dir.file("receipts.jsonl").path
    let r = try Tools.runExecutable("python3", ["-c", """
        import resource, subprocess, sys
        with open(sys.argv[3]) as i, open(sys.argv[4], "w") as o:
            status = subprocess.run([sys.argv[1], "append", sys.argv[2], "--buffer", "4096"], stdin=i, stdout=o).returncode
        print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """, Tools.url("evchain").path, f.chain, input.path, receipts])
    let fields = r.out.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    try #require(fields.count == 2 && fields[0] == 0, "\(r.out) \(r.stderr)")
    let given = try String(contentsOfFile: receipts, encoding: .utf8).split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    let shown = try Tools.run("evchain", ["show", f.chain]).objects
    #expect(given.count == count && shown.count == count)
    #expect(given.map { $0["seq"] as? Int } == Array(0..<count).map { $0 })
    #expect(given.map { $0["leaf"] as? String } == shown.map { $0["leaf"] as? String })
    #expect(given.map { $0["id"] as? String } == shown.map { ($0["record"] as? [String: Any])?["id"] as? String })
    #expect(given.allSatisfy { $0["tree_size"] as? Int == count })
    #expect(try FileManager.default.contentsOfDirectory(atPath: f.dir.url.path).allSatisfy { !$0.hasPrefix(".evchain") })
    return try #require(fields[1])
}

@Test func appendMemoryDoesNotGrowWithTheBatch() throws {
    // Receipts and index entries of a batch used to stay in memory (~85 bytes a record)
    // whatever --buffer said: 100,000 records added some 18 MB. Measured from 20,000
    // records, once the buffers, chunks and threads have their full size (a fixed
    // ~3 MB between 2,000 and 20,000, flat after); 180,000 more records at 23 bytes
    // each would pass the bound.
    let small = try appendPeakKiB(records: 20_000)
    let large = try appendPeakKiB(records: 200_000)
    #expect(large - small < 4_096, "peak \(small) KiB for 20,000 records, \(large) KiB for 200,000")
}

/// A manifest line piped straight into append (evhash skipped) is refused
/// with what to do, not with the record field it lacks (issue 21), and
/// nothing is appended.
@Test func aManifestLineGivenToAppendSaysToHashItFirst() throws {
    let f = try ChainFixture()
    for line in [#"{"path":"C2025-0001/esign/contract.pdf","contract":"C2025-0001","stage":"esign"}"#,
                 #"{"id":"C2025-0001/default/notice","data":{"amount":1}}"#] {
        let r = try f.append(records(1) + line + "\n")
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("stdin:2: a manifest line, not an evidence record"), "\(r.stderr)")
        #expect(r.stderr.contains("evhash"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
    #expect(try Tools.run("evchain", ["show", f.chain]).out.isEmpty)
}
