import Foundation
import Testing

/// evhash's memory is bounded by `--id-memory`, not by the input (issue 20
/// item 4): past the bound the ids seen spill to disk, and the refusals
/// that need every earlier id (a duplicate id, a look-alike id) still
/// name both lines.
@Suite struct EvhashMemoryTests {
    static let nfc = "C9/esign/caf\u{E9}.pdf"
    static let nfd = "C9/esign/cafe\u{301}.pdf"

    static func line(_ i: Int) -> String {
        #"{"contract":"C\#(i / 10)","stage":"performance","name":"repay-\#(i).json","data":{"n":\#(i)}}"#
    }

    /// 3,000 lines through the smallest table: dozens of spills. The
    /// records are those of an unbounded run, and a copy of line 5 at the
    /// end is refused naming line 5.
    @Test func aDuplicateIsRefusedAfterTheTableHasSpilled() throws {
        let lines = (1 ... 3000).map(Self.line)
        let plain = try Tools.run("evhash", [], stdin: lines.joined(separator: "\n") + "\n")
        try #require(plain.status == 0, "\(plain.stderr)")
        let spilled = try Tools.run("evhash", ["--id-memory", "4096"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(spilled.status == 0, "\(spilled.stderr)")
        #expect(spilled.stdout == plain.stdout)

        let dup = try Tools.run("evhash", ["--id-memory", "4096"], stdin: (lines + [Self.line(5)]).joined(separator: "\n") + "\n")
        #expect(dup.status == 2, "\(dup.stderr)")
        #expect(dup.stderr.contains("stdin:3001: duplicate id \"C0/performance/repay-5.json\" (also at stdin:5)"), "\(dup.stderr)")
        #expect(dup.lines.count == 3000)
    }

    /// An id that differs from an early one only in Unicode normalisation,
    /// thousands of lines later, is still a look-alike; under
    /// `--keep-going` each refused line is reported and the rest go out.
    @Test func aLookAlikeIsRefusedAfterTheTableHasSpilled() throws {
        let twin = { (id: String, i: Int) in
            #"{"contract":"C9","stage":"esign","id":"\#(id)","name":"n\#(i)","data":{"n":\#(i)}}"#
        }
        let lines = [twin(Self.nfc, 0)] + (1 ... 3000).map(Self.line) + [twin(Self.nfd, 1), Self.line(7), Self.line(3001)]
        let r = try Tools.run("evhash", ["--id-memory", "4096", "--keep-going"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("stdin:3002: id \"\(Self.nfd)\" differs from the id at stdin:1 only in Unicode normalisation"), "\(r.stderr)")
        #expect(r.stderr.contains("stdin:3003: duplicate id \"C0/performance/repay-7.json\" (also at stdin:8)"), "\(r.stderr)")
        #expect(r.stderr.contains("2 items failed"), "\(r.stderr)")
        #expect(r.lines.count == 3002)
    }

    /// The bound is checked: below 4096 bytes is a usage error.
    @Test func aTooSmallBoundIsAUsageError() throws {
        let r = try Tools.run("evhash", ["--id-memory", "4095"], stdin: Self.line(1) + "\n")
        #expect(r.status == 2 && r.stderr.contains("--id-memory"), "\(r.stderr)")
    }

    /// A scratch directory that cannot take the spilled ids is an I/O
    /// error (exit 3) once the table needs it, after the records before.
    @Test func anUnwritableScratchDirectoryIsAnIOError() throws {
        let lines = (1 ... 3000).map(Self.line)
        let r = try Tools.run("evhash", ["--id-memory", "4096"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8),
                              environment: ["TMPDIR": "/nonexistent/evhash"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent/evhash") && r.stderr.contains("id table"), "\(r.stderr)")
    }
}
