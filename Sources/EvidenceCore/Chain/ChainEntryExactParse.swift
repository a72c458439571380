import Glibc
import EvidenceLog
import EvidenceSupport

extension ChainEntry {
    /// `parse` for a line in the one spelling every log writes, without a
    /// `JSONValue` of the line: the fixed parts found where they must be,
    /// the record read by `ChainStore.fastRecord` (and required to be
    /// canonical as it stands), the leaf compared as bytes. Nil wherever
    /// `parse`'s general path must decide — anything unusual, and every
    /// refusal — so what a caller gets, result or error, is always the
    /// general path's. `ChainEntryExactParseTests` holds the two equal.
    static func parseExact(line bytes: UnsafeRawBufferPointer, expectedSeq: UInt64?) -> ChainEntry? {
        let count = bytes.count
        var at = 0
        func literal(_ text: StaticString) -> Bool {
            let n = text.utf8CodeUnitCount
            guard at + n <= count, memcmp(bytes.baseAddress! + at, text.utf8Start, n) == 0 else { return false }
            at += n
            return true
        }
        guard literal(#"{"seq":"#) else { return nil }
        // Up to 15 digits, no leading zero: a number a double holds as written.
        let digits = at
        var seq: UInt64 = 0
        while at < count, at - digits < 16, bytes[at] >= 0x30 && bytes[at] <= 0x39 {
            seq = seq * 10 + UInt64(bytes[at] - 0x30)
            at += 1
        }
        guard at > digits, at - digits <= 15, bytes[digits] != 0x30 || at == digits + 1 else { return nil }
        if let expectedSeq, seq != expectedSeq { return nil }
        guard literal(#","time":""#) else { return nil }
        let timeStart = at
        while at < count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\") { at += 1 }
        let time = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[timeStart..<at]), as: UTF8.self)
        guard RFC3339.isCanonicalUTC(time), !time.utf8.contains(UInt8(ascii: ".")),
              literal(#"","record":"#) else { return nil }
        // The line ends in `,"leaf":"<64 hex digits>"}`; the record is what lies between.
        let leafKey = count - 2 - 64 - leafPrefix.utf8CodeUnitCount
        guard leafKey > at, bytes[at] == UInt8(ascii: "{") else { return nil }
        let record = UnsafeRawBufferPointer(rebasing: bytes[at..<leafKey])
        at = leafKey
        guard literal(leafPrefix) else { return nil }
        var hexIsLowercase = true
        let leaf = Hash { out in
            for i in 0..<32 {
                guard let high = lowercaseHexValue(bytes[at + 2 * i]), let low = lowercaseHexValue(bytes[at + 2 * i + 1]) else {
                    hexIsLowercase = false
                    return
                }
                out[i] = high << 4 | low
            }
        }
        guard hexIsLowercase else { return nil }
        at += 64
        guard literal(#""}"#), at == count else { return nil }
        guard let (evidence, canonical) = ChainStore.fastRecord(record), canonical.count == record.count,
              memcmp(canonical, record.baseAddress!, record.count) == 0 else { return nil }
        var entry = ChainEntry(seq: seq, time: time, canonicalRecord: canonical)
        guard entry.leaf == leaf else { return nil }
        entry.parsedEvidence = evidence
        return entry
    }

    private static let leafPrefix: StaticString = #","leaf":""#

    private static func lowercaseHexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
