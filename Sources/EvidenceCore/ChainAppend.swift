#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `append` acknowledges: one receipt per record, kept compactly
/// (a 1,000,000-record batch holds ~70 MB here, not a million objects).
public struct AppendReceipts: Sendable {
    public private(set) var firstSeq: UInt64 = 0
    public private(set) var count = 0
    public fileprivate(set) var treeSize: UInt64 = 0
    private var leaves: [UInt8] = []
    private var ids: [UInt8] = []
    private var idEnds: [Int] = []
    /// (first seq with this time, time) — times change at most once a second.
    private var times: [(UInt64, String)] = []

    init(firstSeq: UInt64) { self.firstSeq = firstSeq }

    mutating func add(id: String, leaf: [UInt8], time: String) {
        if times.last?.1 != time { times.append((firstSeq + UInt64(count), time)) }
        leaves += leaf
        ids += id.utf8
        idEnds.append(ids.count)
        count += 1
    }

    /// Receipt i as a JSON line: {"seq","time","id","leaf","tree_size"}.
    public func forEachLine(_ body: ([UInt8]) throws -> Void) rethrows {
        var t = 0
        for i in 0..<count {
            let seq = firstSeq + UInt64(i)
            while t + 1 < times.count && times[t + 1].0 <= seq { t += 1 }
            var w = JSONWriter(capacity: 200)
            w.writeRaw(#"{"seq":"#); w.writeRaw(String(seq))
            w.writeRaw(#","time":"#); w.writeString(times[t].1)
            w.writeRaw(#","id":"#)
            w.writeString(String(decoding: ids[(i == 0 ? 0 : idEnds[i - 1])..<idEnds[i]], as: UTF8.self))
            w.writeRaw(#","leaf":""#); w.writeRaw(Hex.encode(leaves[(i * 32)..<(i * 32 + 32)]))
            w.writeRaw(#"","tree_size":"#); w.writeRaw(String(treeSize)); w.writeRaw("}\n")
            try body(w.bytes)
        }
    }
}

extension ChainStore {
    /// Appends every evidence record `reader` yields, as one all-or-nothing
    /// batch, and returns the receipts once the batch is durable.
    ///
    /// Lines are validated and written past the commit point as they stream
    /// in, so memory does not grow with the batch's bytes; a bad line
    /// truncates the files back and nothing is committed. Only after the
    /// entry lines and hashes are fsynced is the index extended and fsynced:
    /// that is the commit. Duplicates (the same digest again) are appended
    /// as entries of their own: the log records deposits, and depositing the
    /// same document twice is an event worth its own entry.
    ///
    /// The caller must have opened the store with `.write` (the flock that
    /// serialises appenders). `now` gives the clock in seconds.
    public func append(from reader: JSONLinesReader, now: () -> Int64 = { Int64(time(nil)) }) throws -> AppendReceipts {
        let l = try layout()
        if l.isTruncated {
            throw EvidenceError.failure("committed data is missing (run 'evchain audit')", at: path)
        }
        if l.hasTornTail {
            throw EvidenceError.io("an interrupted append left an unacknowledged tail after entry \(l.committed); "
                                   + "run 'evchain audit --repair' first", at: path)
        }
        let start = l.committed
        var frontier = try MerkleFrontier(size: start, reader: HashFileReader(file: hashes))
        // Entry times never go backwards, even if the system clock does.
        var floorSeconds: Int64 = 0
        if start > 0, let t = RFC3339.parse(try entry(start - 1).time) { floorSeconds = t.seconds }

        let context = HashContext(.sha256)
        var dataOffset = l.dataEnd, hashOffset = l.hashesEnd
        var dataBuffer: [UInt8] = [], hashBuffer: [UInt8] = []
        let flushAt = 1 << 18
        dataBuffer.reserveCapacity(flushAt + (1 << 17))
        hashBuffer.reserveCapacity(flushAt + 4096)
        var ends: [UInt8] = []
        var receipts = AppendReceipts(firstSeq: start)
        var seq = start

        func flush() throws {
            if !dataBuffer.isEmpty {
                try data.write(dataBuffer, at: dataOffset)
                dataOffset += UInt64(dataBuffer.count)
                dataBuffer.removeAll(keepingCapacity: true)
            }
            if !hashBuffer.isEmpty {
                try hashes.write(hashBuffer, at: hashOffset)
                hashOffset += UInt64(hashBuffer.count)
                hashBuffer.removeAll(keepingCapacity: true)
            }
        }

        do {
            // Chunks of lines: parsing, validation, canonicalization and leaf
            // hashing run on every core; the tree and the files stay sequential.
            while true {
                var flat: [UInt8] = [], bounds: [Range<Int>] = [], lineNumbers: [Int] = []
                flat.reserveCapacity(1 << 21)
                while bounds.count < 8192, try reader.withNextLine({ line -> Bool in
                    bounds.append(flat.count..<flat.count + line.count)
                    flat.append(contentsOf: line)
                    return true
                }) != nil {
                    lineNumbers.append(reader.lineNumber)
                }
                if bounds.isEmpty { break }
                let seconds = max(now(), floorSeconds)
                floorSeconds = seconds
                let timeText = RFC3339.format(epochSeconds: seconds)
                let first = seq
                // One contiguous share of the chunk per worker.
                let workers = ParallelMap.defaultWorkers
                let share = (bounds.count + workers - 1) / workers
                let shares = stride(from: 0, to: bounds.count, by: share).map { $0..<min($0 + share, bounds.count) }
                let prepared = flat.withUnsafeBytes { buffer in
                    ParallelMap.map(shares, state: { HashContext(.sha256) }) { ctx, range in
                        range.map { i -> Result<(ChainEntry, String), EvidenceError> in
                            Result {
                                try ChainStore.prepare(UnsafeRawBufferPointer(rebasing: buffer[bounds[i]]),
                                                       seq: first + UInt64(i), time: timeText, context: ctx)
                            }.mapError {
                                ($0 as? EvidenceError ?? EvidenceError.input("\($0)")).located("\(reader.name):\(lineNumbers[i])")
                            }
                        }
                    }.joined()
                }
                for result in prepared {
                    let (entry, id) = try result.get()
                    entry.appendLine(to: &dataBuffer)
                    for h in frontier.append(leafHash: entry.leaf, context: context) { hashBuffer += h }
                    let end = dataOffset + UInt64(dataBuffer.count)
                    for shift in stride(from: 56, through: 0, by: -8) { ends.append(UInt8((end >> UInt64(shift)) & 0xff)) }
                    receipts.add(id: id, leaf: entry.leaf, time: timeText)
                    seq += 1
                    if dataBuffer.count >= flushAt || hashBuffer.count >= flushAt { try flush() }
                }
            }
            try flush()
            if receipts.count == 0 { receipts.treeSize = start; return receipts }
            // Data and hashes durable before the commit record refers to them.
            try data.sync()
            try hashes.sync()
            try index.write(ends, at: start * 8)
            try index.sync()
        } catch {
            // Nothing of this batch was committed: take it back off the files.
            // (If this fails too, the tail stays uncommitted and audit finds it.)
            try? index.truncate(to: start * 8)
            try? data.truncate(to: l.dataEnd)
            try? hashes.truncate(to: l.hashesEnd)
            throw error
        }
        receipts.treeSize = seq
        return receipts
    }
}

extension ChainStore {
    /// One input line → its entry and record id: a JSON object that is a
    /// valid evidence record, canonicalized (RFC 8785), within the entry size
    /// limit. Errors are input errors without a location (the caller adds it).
    static func prepare(_ line: UnsafeRawBufferPointer, seq: UInt64, time: String, context: HashContext) throws -> (ChainEntry, String) {
        let value = try JSON.parse(line)
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a JSON object, found \(value.typeName)")
        }
        let record = try EvidenceRecord(json: object)
        let canonical = canonicalRecord(object)
        let entrySize = canonical.count + 28 + String(seq).utf8.count + time.utf8.count
        guard entrySize <= ChainEntry.maximumEntryBytes else {
            throw EvidenceError.input("record too large for a log entry (\(entrySize) bytes; at most \(ChainEntry.maximumEntryBytes))")
        }
        return (ChainEntry(seq: seq, time: time, canonicalRecord: canonical, context: context), record.id)
    }

    /// RFC 8785 order of the evidence record's fields (UTF-16 order of the
    /// names, all ASCII). A validated record has only these.
    static let recordFieldRank: [String: Int] = Dictionary(uniqueKeysWithValues:
        EvidenceRecord.fieldOrder.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }.enumerated().map { ($1, $0) })

    /// JCS of a validated record without the generic sort: members are put
    /// in their precomputed rank order and each value written canonically.
    /// Equal to `JCS.canonical(.object(object))` (a unit test holds it to that).
    static func canonicalRecord(_ object: JSONObject) -> [UInt8] {
        var ranked: [(Int, String, JSONValue)] = []
        ranked.reserveCapacity(object.count)
        for (key, value) in object {
            guard let r = recordFieldRank[key] else { return JCS.canonical(.object(object)) }
            ranked.append((r, key, value))
        }
        ranked.sort { $0.0 < $1.0 }
        var w = JSONWriter(capacity: 320)
        w.writeRaw("{")
        for (i, m) in ranked.enumerated() {
            if i > 0 { w.writeRaw(",") }
            w.writeString(m.1)
            w.writeRaw(":")
            w.write(m.2, sortedKeys: true)
        }
        w.writeRaw("}")
        return w.bytes
    }
}
