import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// One line of the chain file:
///
///     {"seq":0,"time":"2026-11-25T10:00:00Z","record":{…},"leaf":"<hex>"}
///
/// The Merkle leaf is SHA-256(0x00 || entry bytes), where the entry bytes are
/// the RFC 8785 form of {"seq","time","record"} — `{"record":…,"seq":…,"time":…}`
/// since JCS sorts the keys — so anyone can recompute a leaf from a line with
/// any JCS library. The line itself is written in one exact spelling (keys in
/// that order, the record canonical, no spaces), and `parse` accepts only
/// that spelling: an audit compares bytes, not meanings.
public struct ChainEntry: Sendable, Equatable {
    public var seq: UInt64 { didSet { leafIsOfContents = false } }
    public var time: String { didSet { leafIsOfContents = false } }
    /// The evidence record, RFC 8785 canonical.
    public var canonicalRecord: [UInt8] { didSet { parsedRecord = nil; parsedEvidence = nil; leafIsOfContents = false } }
    public var leaf: Hash { didSet { leafIsOfContents = false } }
    /// Whether `leaf` is the hash this process computed of the entry as it
    /// is (the initialiser computes it; any change clears this): a verifier
    /// need not compute it again. Not part of the entry's identity.
    public private(set) var leafIsOfContents = true
    /// The record as `parse` read it from the line (whose record it checked
    /// to be exactly `canonicalRecord`): `record` then needs no second parse.
    /// Not part of the entry's identity.
    private var parsedRecord: JSONValue?
    /// The record as an `EvidenceRecord`, where `parse` read it as one
    /// (`parseExact`); not part of the entry's identity either.
    var parsedEvidence: EvidenceRecord?

    public static func == (a: ChainEntry, b: ChainEntry) -> Bool {
        a.seq == b.seq && a.time == b.time && a.canonicalRecord == b.canonicalRecord && a.leaf == b.leaf
    }

    /// A log entry is at most this long, the largest a C2SP tlog-tiles entry
    /// bundle can carry (a uint16 length prefix).
    public static let maximumEntryBytes = 0xFFFF

    public init(seq: UInt64, time: String, canonicalRecord: [UInt8], context: HashContext? = nil) {
        self.seq = seq
        self.time = time
        self.canonicalRecord = canonicalRecord
        // SHA-256(0x00 || entry bytes), the entry bytes put together in a
        // temporary buffer (on the stack for a usual entry) and hashed in one
        // shot: seven EVP updates, a final and an init cost more than
        // hashing the few hundred bytes (one per appended record).
        var seqText = String(seq), timeText = time
        let total = ChainEntry.fixedLeafInputBytes + canonicalRecord.count + seqText.utf8.count + timeText.utf8.count
        self.leaf = withUnsafeTemporaryAllocation(byteCount: total, alignment: 1) { buffer in
            var at = 1
            buffer[0] = 0x00
            func put(_ bytes: UnsafeRawBufferPointer) {
                guard bytes.count > 0 else { return }
                (buffer.baseAddress! + at).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                at += bytes.count
            }
            func put(_ literal: StaticString) { put(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)) }
            put(ChainEntry.recordPrefix)
            canonicalRecord.withUnsafeBytes { put($0) }
            put(ChainEntry.seqPrefix)
            seqText.withUTF8 { put(UnsafeRawBufferPointer($0)) }
            put(ChainEntry.timePrefix)
            timeText.withUTF8 { put(UnsafeRawBufferPointer($0)) }
            put(ChainEntry.suffix)
            return Hash(filling: { OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: $0.baseAddress!) })
        }
    }

    /// RFC 8785 of {"seq","time","record"}; `time` is canonical RFC 3339
    /// (ASCII digits and punctuation only, so it needs no escaping).
    static let recordPrefix: StaticString = #"{"record":"#
    static let seqPrefix: StaticString = #","seq":"#
    static let timePrefix: StaticString = #","time":""#
    static let suffix: StaticString = #""}"#
    /// The leaf's input besides the record, seq and time: 0x00 and the four literals.
    static let fixedLeafInputBytes = 1 + recordPrefix.utf8CodeUnitCount + seqPrefix.utf8CodeUnitCount
        + timePrefix.utf8CodeUnitCount + suffix.utf8CodeUnitCount

    public static func entryBytes(seq: UInt64, time: String, canonicalRecord: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(canonicalRecord.count + 64)
        out.appendUTF8(recordPrefix)
        out += canonicalRecord
        out.appendUTF8(seqPrefix)
        out.appendUTF8(String(seq))
        out.appendUTF8(timePrefix)
        out.appendUTF8(time)
        out.appendUTF8(suffix)
        return out
    }

    public var entryBytes: [UInt8] { ChainEntry.entryBytes(seq: seq, time: time, canonicalRecord: canonicalRecord) }

    /// The chain line, with its newline.
    public func appendLine(to out: inout [UInt8]) {
        out.appendUTF8(#"{"seq":"#)
        out.appendUTF8(String(seq))
        out.appendUTF8(#","time":""#)
        out.appendUTF8(time)
        out.appendUTF8(#"","record":"#)
        out += canonicalRecord
        out.appendUTF8(#","leaf":""#)
        _ = leaf.withContiguousStorageIfAvailable { Hex.append($0, to: &out) }
        out.appendUTF8("\"}\n")
    }

    public var line: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(canonicalRecord.count + 128)
        appendLine(to: &out)
        return out
    }

    /// The record as an `EvidenceRecord`: as `parse` read it, or read now.
    public func evidenceRecord() throws -> EvidenceRecord {
        if let parsedEvidence { return parsedEvidence }
        return try EvidenceRecord(json: record)
    }

    /// The record's `id` or `contract` string, without parsing the record
    /// again where `parse` read it as an `EvidenceRecord`.
    func recordString(_ field: ChainLookup.Field) -> String? {
        if let parsedEvidence { return field == .id ? parsedEvidence.id : parsedEvidence.contract }
        return record[field == .id ? "id" : "contract"]?.stringValue
    }

    public var record: JSONValue {
        if let parsedRecord { return parsedRecord }
        // Our own canonical bytes: they parse.
        return (try? JSON.parse(canonicalRecord)) ?? .null
    }

    /// The entry as a JSON object in chain-line order, for output.
    public var json: JSONObject {
        var o = JSONObject()
        o["seq"] = .number(Double(seq))
        o["time"] = .string(time)
        o["record"] = record
        o["leaf"] = .string(Hex.encode(leaf))
        return o
    }

    /// Parses a chain line (without its newline) strictly: the exact
    /// spelling `line` writes, a `leaf` equal to the recomputed leaf hash.
    /// `expectedSeq`, when given, must match.
    public static func parse(line bytes: UnsafeRawBufferPointer, expectedSeq: UInt64? = nil,
                             context: HashContext? = nil) throws -> ChainEntry {
        if let entry = parseExact(line: bytes, expectedSeq: expectedSeq) { return entry }
        return try parseGeneral(line: bytes, expectedSeq: expectedSeq, context: context)
    }

    /// `parse` through a `JSONValue` of the whole line: every line, and
    /// the error that says what is wrong with one.
    static func parseGeneral(line bytes: UnsafeRawBufferPointer, expectedSeq: UInt64?,
                             context: HashContext?) throws -> ChainEntry {
        let value = try JSON.parse(bytes)
        guard case .object(let o) = value, o.keys == ["seq", "time", "record", "leaf"] else {
            throw EvidenceError.failure("not a chain entry (expected {\"seq\",\"time\",\"record\",\"leaf\"})")
        }
        guard let seqValue = o["seq"]?.integerValue, seqValue >= 0 else {
            throw EvidenceError.failure("\"seq\" is not a non-negative integer")
        }
        let seq = UInt64(seqValue)
        if let expectedSeq, seq != expectedSeq {
            throw EvidenceError.failure("entry has seq \(seq) where \(expectedSeq) belongs")
        }
        guard case .string(let time) = o["time"]!, RFC3339.isCanonicalUTC(time), !time.utf8.contains(UInt8(ascii: ".")) else {
            throw EvidenceError.failure("\"time\" is not an RFC 3339 UTC time")
        }
        guard case .object = o["record"]! else { throw EvidenceError.failure("\"record\" is not an object") }
        guard case .string(let leafHex) = o["leaf"]!, Hex.isLowercase(leafHex, byteCount: 32) else {
            throw EvidenceError.failure("\"leaf\" is not 64 lowercase hex digits")
        }
        var entry = ChainEntry(seq: seq, time: time, canonicalRecord: JCS.canonical(o["record"]!), context: context)
        guard Hex.encode(entry.leaf) == leafHex else {
            throw EvidenceError.failure("\"leaf\" does not match the entry (recomputed \(Hex.encode(entry.leaf)))")
        }
        let canonical = entry.line
        guard canonical.count == bytes.count + 1, canonical.withUnsafeBytes({ c in
            memcmp(c.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }) else {
            throw EvidenceError.failure("entry is not in canonical form")
        }
        entry.parsedRecord = o["record"]!
        return entry
    }

    public static func parse(line: [UInt8], expectedSeq: UInt64? = nil) throws -> ChainEntry {
        try line.withUnsafeBytes { try parse(line: $0, expectedSeq: expectedSeq) }
    }
}

import Glibc
