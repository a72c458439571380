import Foundation
import Testing

/// The contract index as `evchain` keeps it (issue 19 items 2 and 6):
/// audit recomputes it from the entries and fails on any edit a dishonest
/// bank could make to it; repair rebuilds it; an older chain without one
/// gets one from its next append or a repair, which say so; every
/// checkpoint commits to its root.
@Suite struct ContractIndexToolTests {
    static let rootsRecord = 48

    func roots(_ f: ChainFixture) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: f.chain + ".contracts.roots")) }
    func writeRoots(_ f: ChainFixture, _ data: Data) throws { try data.write(to: URL(fileURLWithPath: f.chain + ".contracts.roots")) }

    /// Cuts the node file after the root node of `record` (a roots record),
    /// as a forger who makes that version the last would.
    func cutNodes(_ f: ChainFixture, after record: Data) throws {
        let offset = record[record.startIndex + 8 ..< record.startIndex + 16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: f.chain + ".contracts"))
        try handle.truncate(atOffset: offset + 81)
        try handle.close()
    }

    /// A chain of three batches: contract A; A and B; A again.
    func chain() throws -> ChainFixture {
        let f = try ChainFixture()
        #expect(try f.append(records(3, contract: "A", tag: "a1-")).status == 0)
        #expect(try f.append(records(2, contract: "A", tag: "a2-") + records(2, contract: "B", tag: "b2-")).status == 0)
        #expect(try f.append(records(2, contract: "A", tag: "a3-")).status == 0)
        #expect(try f.audit().status == 0)
        return f
    }

    func expectAuditFails(_ f: ChainFixture, _ what: String, mentioning: String = "contract index") throws {
        let audit = try f.audit()
        #expect(audit.status == 1, "\(what): \(audit.stderr)")
        #expect(audit.stderr.contains(mentioning), "\(what): \(audit.stderr)")
        // Repair rebuilds it from the entries, and says so.
        let repair = try f.audit(["--repair"])
        #expect(repair.status == 0, "\(what): \(repair.stderr)")
        #expect(repair.stderr.contains("rebuilt the contract index"), "\(what): \(repair.stderr)")
        #expect(try f.audit().status == 0, "\(what): after repair")
    }

    @Test func checkpointCarriesTheIndexLine() throws {
        let f = try chain()
        #expect(try f.checkpoint().status == 0)
        let note = try String(contentsOfFile: f.chain + ".checkpoint", encoding: .utf8)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count > 3 && lines[3].hasPrefix("evidence/contract-index/v1 "), "\(note)")
        #expect(try f.audit().status == 0)
    }

    @Test func editedNodeFileIsAFinding() throws {
        let f = try chain()
        let url = URL(fileURLWithPath: f.chain + ".contracts")
        var nodes = try Data(contentsOf: url)
        // A byte of the last leaf written (the last batch's value of A): its count.
        nodes[nodes.count - 81 * 2 + 40] ^= 1
        try nodes.write(to: url)
        try expectAuditFails(f, "edited node")
    }

    @Test func editedRootsFileIsAFinding() throws {
        let f = try chain()
        var data = try roots(f)
        data[data.count - 1] ^= 0x40
        try writeRoots(f, data)
        try expectAuditFails(f, "edited root hash")
    }

    /// The index's last version replaced by the one before it, relabelled
    /// with the committed size: the last batch's entries are left out.
    @Test func anEntryLeftOutOfTheIndexIsAFinding() throws {
        let f = try chain()
        var data = try roots(f)
        let n = data.count / Self.rootsRecord
        var forged = data.subdata(in: (n - 2) * Self.rootsRecord ..< (n - 1) * Self.rootsRecord)
        forged.replaceSubrange(0 ..< 8, with: data.subdata(in: (n - 1) * Self.rootsRecord ..< (n - 1) * Self.rootsRecord + 8))
        data.replaceSubrange((n - 1) * Self.rootsRecord ..< n * Self.rootsRecord, with: forged)
        try writeRoots(f, data)
        try cutNodes(f, after: forged)
        try expectAuditFails(f, "entries left out", mentioning: "is not what the entries give")
    }

    /// The version before B's first entry, relabelled: B is missing.
    @Test func anIndexThatDropsAContractIsAFinding() throws {
        let f = try chain()
        var data = try roots(f)
        let n = data.count / Self.rootsRecord
        // Versions: 0, 3 (A), 7 (A, B), 9. Put version 3 in place of 9 and drop 7.
        var forged = data.subdata(in: 1 * Self.rootsRecord ..< 2 * Self.rootsRecord)
        forged.replaceSubrange(0 ..< 8, with: data.subdata(in: (n - 1) * Self.rootsRecord ..< (n - 1) * Self.rootsRecord + 8))
        data = data.subdata(in: 0 ..< 2 * Self.rootsRecord) + forged
        try writeRoots(f, data)
        try cutNodes(f, after: forged)
        try expectAuditFails(f, "contract dropped", mentioning: "contract index")
    }

    /// Entries appended without the index (a tool that did not keep it):
    /// the index is behind, a finding; the next append catches it up.
    @Test func anIndexBehindTheChainIsAFinding() throws {
        let f = try chain()
        var data = try roots(f)
        data.removeLast(Self.rootsRecord)
        try writeRoots(f, data)
        try cutNodes(f, after: data.suffix(Self.rootsRecord))
        let audit = try f.audit()
        #expect(audit.status == 1, "\(audit.stderr)")
        #expect(audit.stderr.contains("covers 7 of the 9 committed entries"), "\(audit.stderr)")
        let append = try f.append(records(1, contract: "C", tag: "c-"))
        #expect(append.status == 0, "\(append.stderr)")
        #expect(append.stderr.contains("the contract index covered 7 of 9 entries"), "\(append.stderr)")
        #expect(try f.audit().status == 0)
    }

    /// An older chain (no index): audit says so; the next append builds it
    /// from entry 0 and says so; the checkpoint then carries the line.
    @Test func anOlderChainGetsAnIndexOnItsNextAppend() throws {
        let f = try chain()
        try FileManager.default.removeItem(atPath: f.chain + ".contracts")
        try FileManager.default.removeItem(atPath: f.chain + ".contracts.roots")
        // Read as before: a checkpoint without the line.
        #expect(try f.checkpoint().status == 0)
        let note = try String(contentsOfFile: f.chain + ".checkpoint", encoding: .utf8)
        #expect(!note.contains("evidence/contract-index/v1"))
        let audit = try f.audit()
        #expect(audit.status == 1)
        #expect(audit.stderr.contains("no contract index"), "\(audit.stderr)")
        let append = try f.append(records(1, contract: "C", tag: "c-"))
        #expect(append.status == 0, "\(append.stderr)")
        #expect(append.stderr.contains("built it from entry 0 (9 entries)"), "\(append.stderr)")
        #expect(try f.audit().status == 0)
        #expect(try f.checkpoint().status == 0)
        #expect(try String(contentsOfFile: f.chain + ".checkpoint", encoding: .utf8).contains("evidence/contract-index/v1 "))
    }

    @Test func repairBuildsTheIndexOfAnOlderChain() throws {
        let f = try chain()
        try FileManager.default.removeItem(atPath: f.chain + ".contracts")
        try FileManager.default.removeItem(atPath: f.chain + ".contracts.roots")
        try expectAuditFails(f, "older chain", mentioning: "no contract index")
    }

    /// A checkpoint whose index line was changed (and re-signed: the bank
    /// holds its key) does not match the entries.
    @Test func aCheckpointWithAnotherIndexRootFailsTheAudit() throws {
        let f = try chain()
        var data = try roots(f)
        data[data.count - 1] ^= 0x40
        try writeRoots(f, data)
        #expect(try f.checkpoint().status == 0)
        let audit = try f.audit()
        #expect(audit.status == 1, "\(audit.stderr)")
        #expect(audit.stderr.contains("contract index root"), "\(audit.stderr)")
    }
}
