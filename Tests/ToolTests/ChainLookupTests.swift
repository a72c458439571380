import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceCore

// CHAIN.lookup (id and contract → seqs): every answer read through it must
// be the answer a reading of every entry gives, and audit must catch any
// lookup that could make it otherwise.

/// The seqs of `contract`'s entries, by reading every entry.
private func seqsByReadingAll(_ chain: String, contract: String) throws -> [Int] {
    let all = try Tools.run("evchain", ["show", chain])
    return all.objects.filter { ($0["record"] as? [String: Any])?["contract"] as? String == contract }.map { $0["seq"] as! Int }
}

/// The seqs `show --contract` prints.
private func seqsShown(_ chain: String, contract: String) throws -> [Int] {
    let r = try Tools.run("evchain", ["show", chain, "--contract", contract])
    #expect(r.status == 0, "\(r.stderr)")
    return r.objects.map { $0["seq"] as! Int }
}

/// The one run file of a chain's lookup.
private func onlyRun(_ chain: String) throws -> URL {
    let list = String(decoding: try Data(contentsOf: URL(fileURLWithPath: chain + ".lookup")), as: UTF8.self)
    let lines = list.split(separator: "\n")
    try #require(lines.count == 1, "runs: \(list)")
    return URL(fileURLWithPath: chain + ".lookup." + lines[0].replacingOccurrences(of: " ", with: "-"))
}

private func contractKey(_ contract: String) -> UInt64 {
    ChainLookup.key(.contract, contract, context: HashContext(.sha256))
}

private func lookupRecords(_ data: Data) -> [(UInt64, UInt64)] {
    stride(from: 0, to: data.count, by: 16).map { ChainLookup.decode(Array(data[$0..<$0 + 16])[...]) }
}

@Test func aLookupThatOmitsAnEntryIsCaughtByAuditAndRebuiltByRepair() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(5, contract: "C1") + records(5, contract: "C2")).status == 0)
    let run = try onlyRun(f.chain)
    // Drop one of C1's records, keeping the run sorted and well formed: the
    // lookup would then hide an entry of the contract (a withheld item).
    var kept = lookupRecords(try Data(contentsOf: run))
    let i = try #require(kept.firstIndex { $0.0 == contractKey("C1") })
    kept.remove(at: i)
    try Data(ChainLookup.encode(kept)).write(to: run)
    let audit = try f.audit()
    #expect(audit.status == 1)
    #expect(audit.stderr.contains("does not hold the records of entries 0..<10"), "\(audit.stderr)")
    let repair = try f.audit(["--repair"])
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(repair.stderr.contains("rebuilt"))
    #expect(try f.audit().status == 0)
    #expect(try seqsShown(f.chain, contract: "C1") == [0, 1, 2, 3, 4])
}

@Test func everyDamageToTheLookupIsCaughtByAudit() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3, contract: "C1") + records(2, contract: "C2")).status == 0)
    let run = try onlyRun(f.chain)
    let original = try Data(contentsOf: run)
    for i in 0..<original.count {
        var flipped = original
        flipped[i] ^= 0x01
        try flipped.write(to: run)
        #expect(try f.audit().status == 1, "byte \(i) of the run flipped")
    }
    try original.write(to: run)
    #expect(try f.audit().status == 0)
    let list = URL(fileURLWithPath: f.chain + ".lookup")
    for damaged in ["0 4\n", "0 6\n", "", "1 5\n", "0 5\n5 6\n", "x\n"] {
        try Data(damaged.utf8).write(to: list)
        #expect(try f.audit().status == 1, "list \(damaged.debugDescription)")
        #expect(try seqsShown(f.chain, contract: "C2") == [3, 4], "list \(damaged.debugDescription)")
        let repair = try f.audit(["--repair"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(try f.audit().status == 0)
    }
    try FileManager.default.removeItem(at: try onlyRun(f.chain))
    #expect(try f.audit().status == 1)
    #expect(try f.audit(["--repair"]).status == 0)
    #expect(try f.audit().status == 0)
}

@Test func aLookupHitIsConfirmedAgainstTheEntry() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(3, contract: "C1") + records(2, contract: "C2")).status == 0)
    #expect(try f.checkpoint().status == 0)
    let run = try onlyRun(f.chain)
    // As if C2's key collided with C1's: C2's entries become C1's candidates.
    let records = lookupRecords(try Data(contentsOf: run)).map { r in
        r.0 == contractKey("C2") ? (contractKey("C1"), r.1) : r
    }
    try Data(ChainLookup.encode(records.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 })).write(to: run)
    #expect(try seqsShown(f.chain, contract: "C1") == [0, 1, 2])
    #expect(try seqsShown(f.chain, contract: "C2") == [])   // what the damaged lookup hides…
    #expect(try f.audit().status == 1)                       // …audit reports
}

@Test func proveByIDFindsEveryDepositOfTheID() throws {
    let f = try ChainFixture()
    let one = records(1, contract: "C1")
    #expect(try f.append(one + records(4, contract: "C2")).status == 0)
    // A re-deposit of the same record, appended as its own entry on request.
    #expect(try Tools.run("evchain", ["append", f.chain, "--always-append"], stdin: one).status == 0)
    #expect(try f.checkpoint().status == 0)
    let r = try Tools.run("evchain", ["prove", f.chain], stdin: "\"C1/esign/doc0.pdf\"\n")
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.objects.map { $0["seq"] as! Int } == [0, 5])
    let none = try Tools.run("evchain", ["prove", f.chain], stdin: "\"C1/esign/doc9.pdf\"\n")
    #expect(none.status == 1)
    #expect(none.stderr.contains("no entry under the checkpoint"))
}

@Test func aChainWrittenBeforeTheLookupIsReadWholeThenGetsOne() throws {
    for via in ["append", "repair"] {
        let f = try ChainFixture()
        #expect(try f.append(records(4, contract: "C1") + records(3, contract: "C2")).status == 0)
        // What a chain from before the lookup looks like.
        for name in try FileManager.default.contentsOfDirectory(atPath: f.dir.url.path) where name.contains(".lookup") {
            try FileManager.default.removeItem(at: f.dir.file(name))
        }
        #expect(try seqsShown(f.chain, contract: "C2") == [4, 5, 6])
        let audit = try f.audit()
        #expect(audit.status == 1)
        #expect(audit.stderr.contains("written before it existed"), "\(audit.stderr)")
        if via == "append" {
            #expect(try f.append(records(1, contract: "C2", tag: "x")).status == 0)
        } else {
            #expect(try f.audit(["--repair"]).status == 0)
        }
        #expect(FileManager.default.fileExists(atPath: f.chain + ".lookup"))
        #expect(try f.audit().status == 0, "after \(via)")
        #expect(try seqsShown(f.chain, contract: "C2") == (via == "append" ? [4, 5, 6, 7] : [4, 5, 6]))
    }
}

@Test func manySmallAppendsKeepFewRuns() throws {
    let f = try ChainFixture()
    for i in 0..<33 { #expect(try f.append(records(1, contract: "C\(i % 3)", tag: "\(i)")).status == 0) }
    let list = String(decoding: try Data(contentsOf: URL(fileURLWithPath: f.chain + ".lookup")), as: UTF8.self)
    #expect(list.split(separator: "\n").count <= 6, "runs: \(list)")
    #expect(try f.audit().status == 0)
    for c in ["C0", "C1", "C2"] {
        #expect(try seqsShown(f.chain, contract: c) == (try seqsByReadingAll(f.chain, contract: c)))
    }
}

/// Audit is clean, or repair makes it clean.
private func expectCleanOrRepaired(_ f: ChainFixture, _ label: String) throws {
    var audit = try f.audit()
    if audit.status != 0 {
        let repair = try f.audit(["--repair"])
        #expect(repair.status == 0, "\(label): \(repair.stderr)")
        audit = try f.audit()
    }
    #expect(audit.status == 0, "\(label): \(audit.stderr)")
}

@Test func killedAppendsLeaveEntriesAndLookupConsistent() throws {
    let f = try ChainFixture()
    var generator = SystemRandomNumberGenerator()
    for run in 0..<6 {
        let batch = (0..<3).map { records(1000, contract: "K\($0)", tag: "r\(run)-") }.joined()
        let input = try f.dir.write("batch\(run)", batch)
        let p = Process()
        p.executableURL = Tools.url("evchain")
        p.arguments = ["append", f.chain, "--buffer", "65536"]
        p.standardInput = try FileHandle(forReadingFrom: input)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(UInt32.random(in: 20_000...300_000, using: &generator))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try expectCleanOrRepaired(f, "run \(run)")
        for c in ["K0", "K2"] {
            #expect(try seqsShown(f.chain, contract: c) == (try seqsByReadingAll(f.chain, contract: c)), "run \(run)")
        }
    }
}

/// The lookup files beside the chain that its run list does not name.
private func unlistedLookupFiles(_ f: ChainFixture) throws -> [String] {
    let list = String(decoding: try Data(contentsOf: URL(fileURLWithPath: f.chain + ".lookup")), as: UTF8.self)
    let listed = Set(list.split(separator: "\n").map { "chain.jsonl.lookup." + $0.replacingOccurrences(of: " ", with: "-") })
    return try FileManager.default.contentsOfDirectory(atPath: f.dir.url.path)
        .filter { $0.hasPrefix("chain.jsonl.lookup.") && !listed.contains($0) }.sorted()
}

@Test func strayRunFilesAreReportedByAuditAndRemovedByRepairOrTheNextAppend() throws {
    let f = try ChainFixture()
    #expect(try f.append(records(6, contract: "S1")).status == 0)
    // What a kill -9 during a merge leaves: the merged run, renamed but not
    // yet listed, and temporaries of a run and of the list. A file of
    // another name is not the lookup's and must survive.
    let strays = ["chain.jsonl.lookup.0-12", "chain.jsonl.lookup.6-12.tmp.4242", "chain.jsonl.lookup.tmp.4242"]
    func plant() throws {
        for name in strays { _ = try f.dir.write(name, "not a run") }
    }
    try plant()
    _ = try f.dir.write("chain.jsonl.lookup.notes", "kept")
    let audit = try f.audit()
    #expect(audit.status == 1, "\(audit.stderr)")
    for name in strays { #expect(audit.stderr.contains(name), "\(audit.stderr)") }
    #expect(!audit.stderr.contains("lookup.notes"))
    let repair = try f.audit(["--repair"])
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(repair.stderr.contains("removed"), "\(repair.stderr)")
    #expect(try unlistedLookupFiles(f) == ["chain.jsonl.lookup.notes"])
    #expect(try f.audit().status == 0)

    try plant()
    #expect(try f.append(records(6, contract: "S2", tag: "again")).status == 0)
    #expect(try unlistedLookupFiles(f) == ["chain.jsonl.lookup.notes"])
    #expect(try f.audit().status == 0)
    #expect(try seqsShown(f.chain, contract: "S1") == [0, 1, 2, 3, 4, 5])
    #expect(try seqsShown(f.chain, contract: "S2") == [6, 7, 8, 9, 10, 11])
}

@Test func appendsKilledAtRandomLoseNoAcknowledgedEntryAndLeaveNoStrayFile() throws {
    let f = try ChainFixture()
    var generator = SystemRandomNumberGenerator()
    var acknowledged: [Int: String] = [:]   // seq → leaf, from receipts printed before the kill
    for run in 0..<5 {
        // A small buffer: many runs per batch, merged at its end, so kills
        // land in run writes, the commit and merges alike.
        let batch = (0..<4).map { records(2500, contract: "M\($0)", tag: "k\(run)-") }.joined()
        let input = try f.dir.write("kbatch\(run)", batch)
        for (seq, leaf) in try f.appendKilled(input, after: UInt32.random(in: 10_000...600_000, using: &generator),
                                              name: "receipts\(run)") {
            acknowledged[seq] = leaf
        }
        try expectCleanOrRepaired(f, "run \(run)")
        #expect(try unlistedLookupFiles(f).isEmpty, "run \(run)")
        let entries = try Tools.run("evchain", ["show", f.chain]).objects
        let leaves = Dictionary(uniqueKeysWithValues: entries.map { ($0["seq"] as! Int, $0["leaf"] as! String) })
        for (seq, leaf) in acknowledged { #expect(leaves[seq] == leaf, "run \(run): acknowledged entry \(seq) lost") }
        #expect(try seqsShown(f.chain, contract: "M1") == (try seqsByReadingAll(f.chain, contract: "M1")), "run \(run)")
    }
}

@Test func oneBatchOfManyRunsEndingInASmallRunKeepsFewRuns() throws {
    let f = try ChainFixture()
    // A small buffer: runs of about 4096 entries, and a last run of about
    // 100 (less than half the others: merging only while the last two are
    // close in size merged nothing, and left six runs of which five equal).
    let r = try Tools.run("evchain", ["append", f.chain, "--buffer", "65536"],
                          stdin: records(5 * 4096 + 100, contract: "B", tag: "b"))
    #expect(r.status == 0, "\(r.stderr)")
    let list = String(decoding: try Data(contentsOf: URL(fileURLWithPath: f.chain + ".lookup")), as: UTF8.self)
    let sizes = list.split(separator: "\n").map { line -> Int in
        let bounds = line.split(separator: " ").map { Int($0)! }
        return bounds[1] - bounds[0]
    }
    // Each run more than twice the next: at most log₂ n runs.
    for i in sizes.indices.dropLast() { #expect(sizes[i] > 2 * sizes[i + 1], "runs: \(list)") }
    #expect(sizes.count <= 3, "runs: \(list)")
    #expect(try f.audit().status == 0)
    #expect(try seqsShown(f.chain, contract: "B") == Array(0 ..< 5 * 4096 + 100))
    #expect(try unlistedLookupFiles(f).isEmpty)
}
