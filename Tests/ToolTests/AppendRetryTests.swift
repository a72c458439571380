import Foundation
import Testing

/// Retries are harmless (issue 20): appending a record the log already
/// holds (same id, same alg and digest as its id's latest entry) logs
/// nothing and answers with that entry's receipt, marked `existing`; the
/// same id with another digest is logged and marked `relogged`; ids are
/// compared as bytes; `--always-append` keeps the old behaviour.
@Suite struct AppendRetryTests {
    func line(_ id: String, _ digestSeed: Int, contract: String = "C1") -> String {
        #"{"id":"\#(id)","contract":"\#(contract)","stage":"esign","alg":"sha256","digest":"\#(String(format: "%064x", digestSeed))"}"# + "\n"
    }

    func shown(_ f: ChainFixture) throws -> [[String: Any]] {
        let show = try Tools.run("evchain", ["show", f.chain])
        #expect(show.status == 0, "\(show.stderr)")
        return show.objects
    }

    @Test func aBatchRunTwiceIsLoggedOnceAndAnsweredWithTheSameReceipts() throws {
        let f = try ChainFixture()
        let batch = records(50)
        let first = try f.append(batch)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try f.append(batch)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try shown(f).count == 50)
        #expect(again.objects.count == 50)
        for (a, b) in zip(first.objects, again.objects) {
            #expect(b["existing"] as? Bool == true)
            for field in ["seq", "time", "id", "leaf"] { #expect("\(a[field]!)" == "\(b[field]!)", "\(field)") }
            #expect(b["tree_size"] as? Int == 50)
        }
        #expect(try f.audit().status == 0)
    }

    @Test func newChangedAndKnownRecordsAreToldApartInInputOrder() throws {
        let f = try ChainFixture()
        #expect(try f.append(line("C1/a", 1) + line("C1/b", 2) + line("C1/c", 3)).status == 0)
        // Known, changed, new, known, new: the new entries take contiguous seqs.
        let r = try f.append(line("C1/a", 1) + line("C1/b", 20) + line("C1/d", 4) + line("C1/c", 3) + line("C1/e", 5))
        #expect(r.status == 0, "\(r.stderr)")
        let o = r.objects
        #expect(o.map { $0["id"] as! String } == ["C1/a", "C1/b", "C1/d", "C1/c", "C1/e"])
        #expect(o.map { $0["seq"] as! Int } == [0, 3, 4, 2, 5])
        #expect(o.map { $0["existing"] as? Bool ?? false } == [true, false, false, true, false])
        #expect(o.map { $0["relogged"] as? Bool ?? false } == [false, true, false, false, false])
        #expect(o.allSatisfy { $0["tree_size"] as? Int == 6 })
        let entries = try shown(f)
        #expect(entries.map { ($0["record"] as! [String: Any])["id"] as! String } == ["C1/a", "C1/b", "C1/c", "C1/b", "C1/d", "C1/e"])
        // Each receipt's leaf is its entry's.
        for receipt in o { #expect(entries[receipt["seq"] as! Int]["leaf"] as? String == receipt["leaf"] as? String) }
        // The id's latest entry decides: b's first digest is now a change again.
        let back = try f.append(line("C1/b", 2))
        #expect(back.objects.first?["relogged"] as? Bool == true && back.objects.first?["seq"] as? Int == 6)
        #expect(try f.audit().status == 0)
    }

    /// Many records, a small buffer: receipts spill to a file and shares are
    /// prepared again after skipped records; every seq and leaf stays right.
    @Test func aLargeMixedRetryKeepsEverySeqAndLeaf() throws {
        let f = try ChainFixture()
        let old = records(3000, tag: "old-")
        #expect(try f.append(old).status == 0)
        let oldLines = old.split(separator: "\n")
        let fresh = records(3000, tag: "new-").split(separator: "\n")
        var mixed = ""
        for i in 0..<3000 { mixed += oldLines[i] + "\n" + (i % 3 == 0 ? fresh[i / 3] + "\n" : "") }
        let r = try Tools.run("evchain", ["append", f.chain, "--buffer", "65536"], stdin: Data(mixed.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.count == 4000)
        let entries = try shown(f)
        #expect(entries.count == 4000)
        var nextNew = 3000
        for receipt in r.objects {
            let seq = receipt["seq"] as! Int
            #expect(entries[seq]["leaf"] as? String == receipt["leaf"] as? String, "seq \(seq)")
            #expect((entries[seq]["record"] as! [String: Any])["id"] as? String == receipt["id"] as? String)
            if receipt["existing"] as? Bool != true {
                #expect(seq == nextNew)
                nextNew += 1
            }
        }
        #expect(nextNew == 4000)
        #expect(try f.audit().status == 0)
    }

    /// An NFD twin of a logged id is another id: logged, not taken for the first.
    @Test func anIDIsTheSameOnlyByteForByte() throws {
        let f = try ChainFixture()
        #expect(try f.append(line("C1/caf\u{00e9}", 7)).status == 0)
        let twin = try f.append(line("C1/cafe\u{0301}", 7))
        #expect(twin.status == 0, "\(twin.stderr)")
        #expect(twin.objects.first?["existing"] == nil && twin.objects.first?["seq"] as? Int == 1)
        #expect(try shown(f).count == 2)
    }

    @Test func alwaysAppendLogsEveryDepositAgain() throws {
        let f = try ChainFixture()
        #expect(try f.append(records(3)).status == 0)
        let r = try Tools.run("evchain", ["append", f.chain, "--always-append"], stdin: records(3))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.map { $0["seq"] as! Int } == [3, 4, 5])
        #expect(r.objects.allSatisfy { $0["existing"] == nil && $0["relogged"] == nil })
        #expect(try shown(f).count == 6)
    }
}
