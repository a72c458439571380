import Foundation
import Testing

/// A batch is committed whole or not at all (issue 20): `evchain append` is
/// killed (SIGKILL, through the EVIDENCE_CRASH_AT test hook) at each step of
/// its commit, between the index's block writes too, and the chain then
/// holds all of the batch or none of it. An interrupted batch is reported by
/// audit and removed by repair or by the next append, which says so; the
/// retried batch is logged once.
@Suite struct ChainCommitTests {
    static let steps = ["append.written", "append.synced", "append.lookup", "append.contracts", "append.contracts-synced",
                        "append.journal",
                        "append.index-block:1", "append.index-block:2", "append.index-synced", "append.committed"]

    func committedIDs(_ f: ChainFixture) throws -> [String] {
        let show = try Tools.run("evchain", ["show", f.chain])
        #expect(show.status == 0, "\(show.stderr)")
        return show.objects.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }
    }

    /// The tree sizes of the contract index's versions (CHAIN.contracts.roots,
    /// 48-byte records starting with the size, big-endian).
    func indexVersionSizes(_ f: ChainFixture) throws -> [UInt64] {
        let data = try Data(contentsOf: URL(fileURLWithPath: f.chain + ".contracts.roots"))
        return stride(from: 0, to: data.count - data.count % 48, by: 48).map { at in
            data[at ..< at + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    @Test(arguments: steps)
    func appendKilledAtACommitStepCommitsAllOrNothing(step: String) throws {
        let f = try ChainFixture()
        #expect(try f.append(records(5, tag: "before-")).status == 0)
        // 3000 entries and a small buffer: the receipts spill to a file and
        // the index grows in several blocks, so a crash can fall between them.
        let batch = records(3000)
        let killed = try Tools.run("evchain", ["append", f.chain, "--buffer", "65536"], stdin: Data(batch.utf8),
                                   environment: ["EVIDENCE_CRASH_AT": step])
        #expect(killed.status == SIGKILL, "\(step): the step was not reached (\(killed.status)) \(killed.stderr)")
        #expect(killed.stdout.isEmpty, "no receipt may be printed before the commit")

        let committed = try committedIDs(f)
        let whole = step == "append.committed"
        #expect(committed.count == (whole ? 3005 : 5), "\(step): \(committed.count) entries committed")
        // The index's version of the committed size is there whatever the step.
        let versions = try indexVersionSizes(f)
        #expect(versions.contains(whole ? 3005 : 5), "\(step): \(versions)")

        let audit = try f.audit()
        if whole {
            #expect(audit.status == 0, "\(step): \(audit.stderr)")
            // The retry finds every record logged: each is there once.
            let retry = try f.append(batch)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(retry.objects.count == 3000 && retry.objects.allSatisfy { $0["existing"] as? Bool == true })
            #expect(try committedIDs(f).count == 3005)
            return
        }
        #expect(audit.status == 1, "\(step): \(audit.stderr)")
        #expect(audit.stderr.contains("torn tail after entry 5"), "\(step): \(audit.stderr)")
        if Self.steps.firstIndex(of: step)! >= Self.steps.firstIndex(of: "append.contracts")! {
            // The batch's index version was written but never committed: a torn tail.
            #expect(versions.last == 3005, "\(step): \(versions)")
        }
        // The retry takes the interrupted batch's tail off first, and says so.
        let retry = try f.append(batch)
        #expect(retry.status == 0, "\(step): \(retry.stderr)")
        #expect(retry.stderr.contains("removed torn tail after entry 5 (never acknowledged)"), "\(step): \(retry.stderr)")
        #expect(retry.objects.first?["seq"] as? Int == 5)
        // Audit recomputes the index from the entries: the retried batch's version matches.
        let clean = try f.audit()
        #expect(clean.status == 0, "\(step): \(clean.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.chain + ".pending"))
        // No version of the interrupted batch survives the next append.
        let kept = try indexVersionSizes(f)
        #expect(kept == [0, 5, 3005], "\(step): \(kept)")
        let after = try committedIDs(f)
        #expect(after.count == 3005)
        #expect(Set(after).count == 3005, "\(step): a record was logged twice")
    }

    /// `audit --repair` removes an interrupted commit too (journal and all),
    /// and nothing of the batch is committed afterwards.
    @Test func repairRemovesAnInterruptedCommit() throws {
        let f = try ChainFixture()
        let killed = try Tools.run("evchain", ["append", f.chain, "--buffer", "65536"], stdin: Data(records(2000).utf8),
                                   environment: ["EVIDENCE_CRASH_AT": "append.index-block"])
        #expect(killed.status == SIGKILL)
        #expect(FileManager.default.fileExists(atPath: f.chain + ".pending"))
        let repair = try f.audit(["--repair"])
        #expect(repair.status == 0, "\(repair.stderr)")
        #expect(repair.stderr.contains("removed torn tail after entry 0"), "\(repair.stderr)")
        #expect(!FileManager.default.fileExists(atPath: f.chain + ".pending"))
        #expect(try f.audit().status == 0)
        #expect(try committedIDs(f).isEmpty)
        #expect(try f.append(records(1, tag: "next-")).objects.first?["seq"] as? Int == 0)
    }

    /// A damaged journal is damage, not a size: audit fails and names it.
    @Test func anUnreadableJournalIsAFinding() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(3)).status == 0)
        try Data("three\n".utf8).write(to: URL(fileURLWithPath: f.chain + ".pending"))
        let audit = try f.audit()
        #expect(audit.status == 1, "\(audit.stderr)")
        #expect(audit.stderr.contains(".pending"), "\(audit.stderr)")
    }
}
