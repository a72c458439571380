import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// `RecordIDTable` answers exactly whether an id was seen, and where, with
/// most ids spilled to disk (issue 20 item 4): at its smallest bound it
/// spills every few dozen ids, so every lookup below crosses runs.
@Suite struct RecordIDTableTests {
    static let nfc = "C9/esign/caf\u{E9}.pdf"
    static let nfd = "C9/esign/cafe\u{301}.pdf"

    static func insert(_ table: inout RecordIDTable, _ id: String, fingerprint: UInt64, at location: Int) throws -> RecordIDTable.Verdict {
        try Array(id.utf8).withUnsafeBytes { try table.insert($0, fingerprint: fingerprint, location: location) }
    }

    @Test func findsDuplicatesAndLookAlikesInSpilledRuns() throws {
        let scratch = ScratchDirectory("idtable")
        var table = RecordIDTable(memory: RecordIDTable.minimumMemory, directory: scratch.path)
        #expect(try table.insert(Self.nfc, location: 1) == .new)
        for i in 2 ... 5000 {
            #expect(try table.insert("C\(i / 10)/performance/repay-\(i).json", location: i) == .new)
        }
        #expect(table.runCount > 10, "the table did not spill: \(table.runCount) runs")
        #expect(try table.insert("C0/performance/repay-7.json", location: 6000) == .duplicate(first: 7))
        #expect(try table.insert("C499/performance/repay-4999.json", location: 6001) == .duplicate(first: 4999))
        #expect(try table.insert(Self.nfc, location: 6002) == .duplicate(first: 1))
        #expect(try table.insert(Self.nfd, location: 6003) == .lookAlike(first: 1))
        // A refused id is not recorded: the first stays the one named.
        #expect(try table.insert(Self.nfd, location: 6004) == .lookAlike(first: 1))
        #expect(try table.insert("C500/performance/repay-5001.json", location: 6005) == .new)
    }

    /// Ids whose fingerprints collide are told apart by their bytes, also
    /// where more of them share a fingerprint than a run's block holds.
    @Test func collidingFingerprintsAreDecidedByTheIDs() throws {
        let scratch = ScratchDirectory("idtable")
        var table = RecordIDTable(memory: 64 << 10, directory: scratch.path)
        let count = RecordIDTable.blockSize * 3 + 17
        for i in 0 ..< count {
            #expect(try Self.insert(&table, "id-\(i)", fingerprint: UInt64(i % 3) << 62, at: i) == .new)
        }
        for i in 0 ..< 2000 {
            #expect(try Self.insert(&table, "other-\(i)", fingerprint: UInt64(i) &* 0x9E37_79B9_7F4A_7C15, at: count + i) == .new)
        }
        #expect(table.runCount >= 1)
        for i in [0, 1, 2, RecordIDTable.blockSize, RecordIDTable.blockSize * 2 + 1, count - 1] {
            #expect(try Self.insert(&table, "id-\(i)", fingerprint: UInt64(i % 3) << 62, at: 99_999) == .duplicate(first: i))
        }
        #expect(try Self.insert(&table, "id-\(count)", fingerprint: 0, at: 99_999) == .new)
        // The same fingerprint, canonically equivalent ids: a look-alike.
        #expect(try Self.insert(&table, Self.nfc, fingerprint: 1 << 62, at: 100_000) == .new)
        for _ in 0 ..< 3000 { _ = try Self.insert(&table, UUID().uuidString, fingerprint: UInt64.random(in: 0 ... .max), at: 1) }
        #expect(try Self.insert(&table, Self.nfd, fingerprint: 1 << 62, at: 100_001) == .lookAlike(first: 100_000))
    }

    /// Within the bound nothing is spilled (no scratch file is made).
    @Test func withinTheBoundNothingSpills() throws {
        var table = RecordIDTable(memory: 16 << 20, directory: "/nonexistent")
        for i in 0 ..< 10_000 { #expect(try table.insert("id-\(i)", location: i) == .new) }
        #expect(table.runCount == 0 && table.spilledCount == 0)
        #expect(try table.insert("id-5", location: 1) == .duplicate(first: 5))
    }

    /// A scratch directory that cannot take the runs is an I/O error.
    @Test func anUnwritableScratchDirectoryIsAnIOError() throws {
        var table = RecordIDTable(memory: RecordIDTable.minimumMemory, directory: "/nonexistent/evhash")
        #expect(throws: EvidenceError.self) {
            for i in 0 ..< 1000 { _ = try table.insert("C1/performance/repay-\(i).json", location: i) }
        }
    }
}

extension RecordIDTableTests {
    /// The fingerprint of an ASCII id, taken from its bytes, is the one
    /// `String` gives its canonical equivalents: ";" and U+037E (Greek
    /// question mark, whose NFC form is ";") are look-alikes.
    @Test func asciiFingerprintsAgreeWithStringsHash() throws {
        #expect(RecordIDTable.fingerprint("C1/esign/a;b") == RecordIDTable.fingerprint("C1/esign/a\u{37E}b"))
        #expect(RecordIDTable.fingerprint("C1/esign/\u{212A}") == RecordIDTable.fingerprint("C1/esign/K"))
        #expect(RecordIDTable.fingerprint(Self.nfc) == RecordIDTable.fingerprint(Self.nfd))
        #expect(RecordIDTable.fingerprint("C1/esign/a;b") != RecordIDTable.fingerprint("C1/esign/a;c"))
        let scratch = ScratchDirectory("idtable")
        var table = RecordIDTable(memory: RecordIDTable.minimumMemory, directory: scratch.path)
        #expect(try table.insert("C1/esign/a;b", location: 3) == .new)
        #expect(try table.insert("C1/esign/a\u{37E}b", location: 4) == .lookAlike(first: 3))
    }
}
