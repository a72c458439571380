import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

extension ChainStore {
    /// The `buffer` sizes `append` takes: a page or more, and at most 1 GiB,
    /// since the buffer is reserved up front.
    public static let appendBufferRange = (1 << 12)...(1 << 30)

    /// Appends every evidence record `reader` yields, as one all-or-nothing
    /// batch, and returns the receipts once the batch is durable.
    ///
    /// The whole batch is validated before anything is written, as long as
    /// its entries fit in `buffer` bytes (64 MiB by default, a few hundred
    /// thousand records). A larger batch is written past the commit point as
    /// it is validated, so memory stays bounded: readers never see it, and a
    /// bad line truncates the files back. Memory is bounded by `buffer`
    /// whatever the batch's length: the entries and hashes not yet written
    /// (`buffer` each at most, twice that while a full buffer is being
    /// written on another thread and the next one fills), the receipts and index entries (a quarter of
    /// it, then a temporary file) and the lines being parsed (an eighth of
    /// it per chunk, two chunks at a time, plus one line) — apart from the
    /// contract index's batch, about 120 bytes for each contract it touches.
    ///
    /// Either way nothing is committed until every line is valid: only after
    /// the entry lines and hashes are fsynced is the index extended and
    /// fsynced, and that is the commit.
    ///
    /// A record the log already holds — its id's latest committed entry has
    /// the same `alg` and `digest` — is not appended again: its receipt is
    /// that entry's, marked `existing`, so a batch that is run again (after
    /// a crash, a failed cosign, an operator's second try) logs nothing
    /// twice. The same id with another digest is appended and its receipt
    /// marked `relogged`. With `alwaysAppend`, every record is appended (each
    /// deposit its own entry, as before). Records repeated inside one batch
    /// are each appended: evhash never emits one id twice.
    ///
    /// The caller must have opened the store with `.write` (the flock that
    /// serialises appenders). `now` gives the clock in seconds.
    public func append(from reader: JSONLinesReader, buffer: Int = 1 << 26, alwaysAppend: Bool = false,
                       now: () -> Int64 = { Int64(time(nil)) },
                       progress: ProgressHandler? = nil) throws -> AppendReceipts {
        var l = try layout()
        if l.isTruncated {
            throw EvidenceError.failure("committed data is missing (run 'evchain audit')", at: path)
        }
        // What an interrupted append left was never acknowledged: this one,
        // holding the lock, takes it off (and says so) and goes on.
        var removedTail: String? = nil
        if l.hasTornTail {
            removedTail = tornTail(l)
            _ = try removeTornTail()
            l = try layout()
        }
        let start = l.committed
        // The lookup of id and contract (CHAIN.lookup) covers exactly the
        // committed entries before the batch's runs are added.
        var lookup = try lookupCaughtUp(to: start)
        // The contract index likewise holds exactly the committed entries
        // (built here for an older chain that has none).
        let keepsIndex = !ChainStore.benchmarkWithoutContractIndex
        let (contractIndex, indexBase, indexNote) = keepsIndex ? try contractIndexCaughtUp(to: start) : (nil, nil, nil)
        var indexBatch = try contractIndex.map { try ContractIndexBatch(store: $0, old: indexBase) }
        // The committed entries, mapped, where workers find what the log
        // already holds of each record's id.
        let logged = alwaysAppend || start == 0 ? nil : try ChainBatchReader(self)
        var newRuns: [ChainLookup.Run] = [], runRecords: [(UInt64, UInt64)] = [], runStart = start
        // A run's records (32 bytes an entry, twice that while sorted) take
        // at most a quarter of the buffer; runs are merged after the commit.
        let entriesPerRun = UInt64(min(max(buffer / 256, 4096), Int(ChainLookup.entriesPerWrittenRun)))
        func writeRun(to end: UInt64) throws {
            guard end > runStart else { return }
            let run = ChainLookup.Run(from: runStart, to: end)
            try lookup.write(run, records: runRecords)
            newRuns.append(run)
            runRecords.removeAll(keepingCapacity: true)
            runStart = end
        }
        var frontier = try MerkleFrontier(size: start, reader: HashFileReader(file: hashes))
        // Entry times never go backwards, even if the system clock does.
        var floorSeconds: Int64 = 0
        if start > 0, let t = RFC3339.parse(try entry(start - 1).time) { floorSeconds = t.seconds }

        let context = HashContext(.sha256)
        var dataOffset = l.dataEnd, hashOffset = l.hashesEnd
        var dataBuffer: [UInt8] = [], hashBuffer: [UInt8] = []
        let bufferBytes = min(max(buffer, ChainStore.appendBufferRange.lowerBound), ChainStore.appendBufferRange.upperBound)
        let chunkBytes = max(bufferBytes / 8, 1 << 12)
        // Two buffers: one written by `writer` while the other fills, so
        // the main thread never waits for the page cache. (Reserved pages
        // cost memory only once touched: a small batch touches one.)
        let flushAt = bufferBytes
        var spareData: [UInt8] = [], spareHashes: [UInt8] = []
        let writer = BackgroundJob()
        // Reserved once (only touched pages cost memory): growing by doubling
        // would copy the buffer again and again.
        dataBuffer.reserveCapacity(flushAt + (1 << 20))
        spareData.reserveCapacity(flushAt + (1 << 20))
        hashBuffer.reserveCapacity(flushAt / 2 + (1 << 16))
        spareHashes.reserveCapacity(flushAt / 2 + (1 << 16))
        var receipts = AppendReceipts(firstSeq: start, budget: max(flushAt / 4, 1 << 12), spillBeside: path)
        receipts.removedTornTail = removedTail
        receipts.contractIndexNote = indexNote
        var seq = start
        // Records not appended (already logged) shift the seqs of those after them.
        var skipped: UInt64 = 0

        // Hands the full buffers to `writer` and goes on with the spare ones
        // (free once the previous write is done). Written past the commit
        // point, so the order of the writes does not matter; all are done
        // (`writer.wait()`) before the files are synced or truncated.
        func flush() throws {
            guard !dataBuffer.isEmpty || !hashBuffer.isEmpty else { return }
            try writer.wait()
            swap(&dataBuffer, &spareData)
            swap(&hashBuffer, &spareHashes)
            dataBuffer.removeAll(keepingCapacity: true)
            hashBuffer.removeAll(keepingCapacity: true)
            let (dataBytes, hashBytes, dataAt, hashAt) = (spareData, spareHashes, dataOffset, hashOffset)
            dataOffset += UInt64(dataBytes.count)
            hashOffset += UInt64(hashBytes.count)
            let (dataFile, hashFile) = (data, hashes)
            try writer.start {
                if !dataBytes.isEmpty { try dataFile.write(dataBytes, at: dataAt) }
                if !hashBytes.isEmpty { try hashFile.write(hashBytes, at: hashAt) }
            }
        }

        do {
            // Chunks of lines, pipelined (`pipelinedMap`): while this thread
            // adds chunk k to the tree and the files, chunk k+1 is parsed,
            // validated, canonicalized and hashed on the other cores. Order,
            // and the all-or-nothing rule, are those of the input.
            var readError: Error? = nil
            var assigned = start
            let workers = ParallelMap.defaultWorkers
            try pipelinedMap(workers: workers, next: { () -> [PrepareShare] in
                guard readError == nil else { return [] }
                let chunk: LineChunk?
                // A read error (an over-long line) is reported only after the
                // lines before it, so the first bad line is the one named.
                do { chunk = try reader.nextChunk(maxLines: 8192, maxBytes: chunkBytes) } catch {
                    readError = error
                    return []
                }
                guard let chunk else { return [] }
                let seconds = max(now(), floorSeconds)
                floorSeconds = seconds
                let time = RFC3339.format(epochSeconds: seconds)
                // Seqs as far as known: a share prepared before the skips
                // ahead of it were counted is prepared again (below).
                let chunkFirst = assigned - skipped
                defer { assigned += UInt64(chunk.count) }
                return chunk.shares(workers * 2).map { PrepareShare(lines: $0, firstSeq: chunkFirst, time: time, logged: logged) }
            }, state: { HashContext(.sha256) }, transform: { context, share in
                share.prepare(context: context)
            }, consume: { shares in
                for share in shares {
                    // All or nothing: the first bad line (in input order) ends the batch.
                    if let failure = share.failure { throw failure }
                    if share.priors.isEmpty && share.firstSeq == seq {
                        let base = dataOffset + UInt64(dataBuffer.count)
                        dataBuffer += share.lines
                        runRecords += share.lookup
                        for i in 0 ..< share.count {
                            let leaf = share.leaves[i * 32 ..< i * 32 + 32]
                            // 32 bytes by construction (`PreparedShare.leaves`).
                            let leafHash = leaf.withUnsafeBytes { bytes in Hash(filling: { $0.copyMemory(from: bytes) }) }
                            frontier.append(leafHash: leafHash, storingInto: &hashBuffer)
                            if let key = share.contractKeys[i] {
                                try leaf.withUnsafeBytes { try indexBatch?.add(key: key, seq: seq + UInt64(i), leaf: IndexHash(at: $0.baseAddress!)) }
                            }
                            try receipts.add(id: share.id(i), leaf: leaf, time: share.time, end: base + UInt64(share.lineEnds[i]))
                        }
                        seq += UInt64(share.count)
                    } else {
                        for i in 0 ..< share.count {
                            let prior = share.priors[i]
                            if let prior, prior.sameDigest {
                                try receipts.addExisting(id: share.id(i), seq: prior.seq, time: prior.time, leaf: prior.leaf)
                                skipped += 1
                                continue
                            }
                            let prepared = share.firstSeq + UInt64(i) == seq
                                ? share.prepared(i)
                                : try share.prepareAgain(i, seq: seq, context: context)
                            dataBuffer += prepared.line
                            runRecords += prepared.lookup
                            frontier.append(leafHash: prepared.leaf, storingInto: &hashBuffer)
                            if let key = prepared.contractKey { try indexBatch?.add(key: key, seq: seq, leaf: IndexHash(prepared.leaf)) }
                            try receipts.add(id: share.id(i), leaf: prepared.leaf.bytes[...], time: share.time,
                                             end: dataOffset + UInt64(dataBuffer.count), relogged: prior != nil)
                            seq += 1
                        }
                    }
                    if seq - runStart >= entriesPerRun { try writeRun(to: seq) }
                    if dataBuffer.count >= flushAt || hashBuffer.count >= flushAt { try flush() }
                }
                progress?(Int(seq - start), Int(dataOffset - l.dataEnd) + dataBuffer.count)
            })
            if let readError { throw readError }
            try flush()
            try writer.wait()
            if receipts.appended == 0 { receipts.treeSize = start; return receipts }
            CrashPoint.reach("append.written")
            // Data and hashes durable before the commit record refers to them.
            try data.sync()
            try hashes.sync()
            CrashPoint.reach("append.synced")
            // The lookup next, so that no committed entry is ever missing from it.
            try writeRun(to: seq)
            try lookup.commit(lookup.runs + newRuns)
            CrashPoint.reach("append.lookup")
            // The contract index next, durable before the commit record, so
            // that every committed size has its version (see ContractIndexStore).
            if let contractIndex, let indexBatch {
                _ = try contractIndex.apply(indexBatch, newSize: seq)
                CrashPoint.reach("append.contracts")
                try contractIndex.sync()
                CrashPoint.reach("append.contracts-synced")
            }
            // The index takes many writes: the journal keeps a crash among
            // them from committing a prefix of the batch (see ChainStore).
            try writeCommitJournal(before: start)
            CrashPoint.reach("append.journal")
            var indexEnd = start * 8
            try receipts.forEachIndexBlock { ends in
                try index.write(ends, at: indexEnd)
                indexEnd += UInt64(ends.count)
                CrashPoint.reach("append.index-block")
            }
            try index.sync()
            CrashPoint.reach("append.index-synced")
            try removeCommitJournal()
            CrashPoint.reach("append.committed")
        } catch {
            // A write still under way ends before the files are truncated.
            try? writer.wait()
            // Nothing of this batch was committed: take it back off the files.
            // (If this fails too, the tail stays uncommitted and audit finds
            // it; so the journal goes only once the index is back.)
            if (try? index.truncate(to: start * 8)) != nil { try? removeCommitJournal() }
            try? data.truncate(to: l.dataEnd)
            try? hashes.truncate(to: l.hashesEnd)
            try? lookup.commit(lookup.runs.filter { $0.to <= start })
            _ = try? contractIndex?.removeTornTail(committed: start)
            for run in newRuns { unlink(ChainLookup.runPath(path, run)) }
            throw error
        }
        // Merging runs is upkeep: the batch is committed whatever happens here,
        // and an interrupted merge leaves the lookup as it was.
        try? lookup.compact()
        receipts.treeSize = seq
        return receipts
    }
}

extension ChainStore {
    /// A record made ready to append: its chain line (with newline), leaf and id.
    struct Prepared {
        var line: [UInt8]
        var leaf: Hash
        var id: String
        /// Its records in `CHAIN.lookup`.
        var lookup: [(UInt64, UInt64)]
        /// Its contract's key in the contract index (nil: no contract).
        var contractKey: IndexHash?

        init(_ entry: ChainEntry, id: String, context: HashContext) {
            line = entry.line
            leaf = entry.leaf
            self.id = id
            (lookup, contractKey) = line.withUnsafeBytes {
                let bytes = UnsafeRawBufferPointer(rebasing: $0.dropLast())
                return (ChainLookup.records(line: bytes, seq: entry.seq, context: context),
                        ChainStore.benchmarkWithoutContractIndex ? nil : ContractIndexBatch.contractKey(line: bytes))
            }
        }
    }

    /// One input line → its entry and record id: a JSON object that is a
    /// valid evidence record, canonicalized (RFC 8785), within the entry size
    /// limit. Errors are input errors without a location (the caller adds it).
    static func prepare(_ line: UnsafeRawBufferPointer, seq: UInt64, time: String, context: HashContext) throws -> Prepared {
        let (entry, id) = try preparedEntry(line, seq: seq, time: time, context: context)
        return Prepared(entry, id: id, context: context)
    }

    /// `prepare`, its results appended to `out`'s packed buffers: the chain
    /// line written in place, no array per record for it or its lookup records.
    static func prepare(_ line: UnsafeRawBufferPointer, seq: UInt64, time: String, context: HashContext,
                        into out: inout PreparedShare) throws {
        let (entry, id) = try preparedEntry(line, seq: seq, time: time, context: context)
        let start = out.lines.count
        entry.appendLine(to: &out.lines)
        out.lineEnds.append(out.lines.count)
        entry.leaf.withUnsafeBytes { out.leaves.append(contentsOf: $0) }
        out.ids.appendUTF8(id)
        out.idEnds.append(out.ids.count)
        // The line without its newline, as `Prepared` reads it.
        let (idKey, contractKey, indexKey) = out.lines.withUnsafeBytes { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all[start ..< all.count - 1])
            return (ChainScan.rawString(after: ChainScan.idKey, in: bytes).map { ChainLookup.key(.id, escaped: $0, context: context) },
                    ChainScan.rawString(after: ChainScan.contractKey, in: bytes).map { ChainLookup.key(.contract, escaped: $0, context: context) },
                    ChainStore.benchmarkWithoutContractIndex ? nil : ContractIndexBatch.contractKey(line: bytes))
        }
        if let idKey { out.lookup.append((idKey, seq)) }
        if let contractKey { out.lookup.append((contractKey, seq)) }
        out.lookupEnds.append(out.lookup.count)
        out.contractKeys.append(indexKey)
    }

    /// One input line → its entry and record id (`prepare` without the rest).
    static func preparedEntry(_ line: UnsafeRawBufferPointer, seq: UInt64, time: String, context: HashContext) throws -> (ChainEntry, String) {
        guard let (record, canonical) = fastRecord(line) else {
            let prepared = try preparedGenerally(line, seq: seq, time: time, context: context)
            return (prepared.entry, prepared.id)
        }
        let entrySize = canonical.count + 28 + String(seq).utf8.count + time.utf8.count
        guard entrySize <= ChainEntry.maximumEntryBytes else {
            throw EvidenceError.input("record too large for a log entry (\(entrySize) bytes; at most \(ChainEntry.maximumEntryBytes))")
        }
        return (ChainEntry(seq: seq, time: time, canonicalRecord: canonical, context: context), record.id)
    }

    /// `prepare` through `JSON.parse`: what decides whenever `fastRecord` declines.
    static func preparedGenerally(_ line: UnsafeRawBufferPointer, seq: UInt64, time: String, context: HashContext) throws -> (entry: ChainEntry, id: String) {
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
    /// names, all ASCII); nil for any other name.
    static let recordFields = ["alg", "contract", "digest", "digests", "id", "keyid", "kind", "name",
                               "pages", "path", "size", "source", "stage", "time"]

    static func recordFieldRank(_ key: String) -> Int? {
        // (first byte, length) tells the 14 names apart; one comparison confirms.
        var k = key
        let candidate: Int? = k.withUTF8 { u in
            guard let first = u.first else { return nil }
            switch (first, u.count) {
            case (0x61, 3): return 0     // alg
            case (0x63, 8): return 1     // contract
            case (0x64, 6): return 2     // digest
            case (0x64, 7): return 3     // digests
            case (0x69, 2): return 4     // id
            case (0x6b, 5): return 5     // keyid
            case (0x6b, 4): return 6     // kind
            case (0x6e, 4): return 7     // name
            case (0x70, 5): return 8     // pages
            case (0x70, 4): return 9     // path
            case (0x73, 4): return 10    // size
            case (0x73, 6): return 11    // source
            case (0x73, 5): return 12    // stage
            case (0x74, 4): return 13    // time
            default: return nil
            }
        }
        guard let candidate, recordFields[candidate] == key else { return nil }
        return candidate
    }

    /// JCS of a validated record without the generic sort: members are put
    /// in their precomputed rank order and each value written canonically
    /// (strings needing no escape copied as they are). Equal to
    /// `JCS.canonical(.object(object))`; a unit test holds it to that.
    static func canonicalRecord(_ object: JSONObject) -> [UInt8] {
        var ranked: [(rank: Int, key: String, value: JSONValue)] = []
        ranked.reserveCapacity(object.count)
        for (key, value) in object {
            guard let r = recordFieldRank(key) else { return JCS.canonical(.object(object)) }
            ranked.append((r, key, value))
        }
        ranked.sort { $0.rank < $1.rank }
        var out: [UInt8] = []
        out.reserveCapacity(384)
        out.append(UInt8(ascii: "{"))
        for (i, m) in ranked.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.appendUTF8(m.key)   // our own field names: nothing to escape
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            switch m.value {
            case .string(var text):
                let plain = text.withUTF8 { !$0.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c } }
                if plain {
                    out.append(UInt8(ascii: "\""))
                    text.withUTF8 { out.append(contentsOf: $0) }
                    out.append(UInt8(ascii: "\""))
                    continue
                }
            case .number(let d) where d >= 0 && d < 9_007_199_254_740_992 && d.rounded(.towardZero) == d:
                // ECMAScript prints an integral double below 1e21 as its plain digits.
                out.appendUTF8(String(UInt64(d)))
                continue
            default:
                break
            }
            var w = JSONWriter(capacity: 128)
            w.write(m.value, sortedKeys: true)
            out += w.bytes
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Some lines of a chunk to prepare on one worker, with the seq of the
/// chunk's first line and the time its entries get.
struct PrepareShare {
    let lines: LineShare
    let firstSeq: UInt64
    let time: String
    /// The committed log, to find what it already holds of each id (nil: append every record).
    let logged: ChainBatchReader?

    /// The share's lines prepared into flat buffers, up to the first bad
    /// line (whose located error ends the batch anyway).
    func prepare(context: HashContext) -> PreparedShare {
        let chunk = lines.chunk
        var out = PreparedShare(time: time, firstSeq: firstSeq + UInt64(lines.lines.lowerBound), source: lines)
        out.lines.reserveCapacity(chunk.range(lines.lines.upperBound - 1).upperBound
                                  - chunk.range(lines.lines.lowerBound).lowerBound + 128 * lines.lines.count)
        out.leaves.reserveCapacity(32 * lines.lines.count)
        out.lookup.reserveCapacity(2 * lines.lines.count)
        for i in lines.lines {
            do {
                try chunk.withLine(i) {
                    try ChainStore.prepare($0, seq: firstSeq + UInt64(i), time: time, context: context, into: &out)
                }
            } catch {
                out.failure = (error as? EvidenceError ?? EvidenceError.input("\(error)")).located(chunk.location(i))
                break
            }
        }
        if let logged, out.failure == nil {
            do { out.priors = try logged.latestEntries(ofIDsIn: out, context: context) } catch {
                out.failure = error as? EvidenceError ?? EvidenceError.io("\(error)")
            }
        }
        return out
    }
}

/// The latest committed entry of a record's id: what its receipt is, when
/// the record is the same (same `alg` and `digest`), and what a new entry
/// re-logs otherwise.
struct LoggedEntry {
    let seq: UInt64
    let time: String
    let leaf: Hash
    let sameDigest: Bool
}

/// Prepared entries of one share, packed: their chain lines one after
/// another, leaves (32 bytes each), ids and lookup records.
struct PreparedShare {
    let time: String
    var lines: [UInt8] = []
    var lineEnds: [Int] = []
    var leaves: [UInt8] = []
    var ids: [UInt8] = []
    var idEnds: [Int] = []
    var lookup: [(UInt64, UInt64)] = []
    var lookupEnds: [Int] = []
    /// By record: its contract's index key (nil: no contract).
    var contractKeys: [IndexHash?] = []
    /// By record: the log's latest entry of its id, where it has one.
    var priors: [Int: LoggedEntry] = [:]
    /// The first bad line's error; the entries before it are the others.
    var failure: EvidenceError?
    let firstSeq: UInt64
    /// The input lines, to prepare a record again at another seq.
    let source: LineShare

    init(time: String, firstSeq: UInt64, source: LineShare) {
        self.time = time
        self.firstSeq = firstSeq
        self.source = source
    }

    var count: Int { lineEnds.count }

    func id(_ i: Int) -> ArraySlice<UInt8> { ids[(i == 0 ? 0 : idEnds[i - 1]) ..< idEnds[i]] }
    func line(_ i: Int) -> ArraySlice<UInt8> { lines[(i == 0 ? 0 : lineEnds[i - 1]) ..< lineEnds[i]] }
    /// Record `i`'s id key (its first lookup record: the id's).
    func idKey(_ i: Int) -> UInt64 { lookup[i == 0 ? 0 : lookupEnds[i - 1]].0 }

    /// Record `i` as prepared, at the seq it was prepared for.
    func prepared(_ i: Int) -> (line: ArraySlice<UInt8>, leaf: Hash, lookup: ArraySlice<(UInt64, UInt64)>, contractKey: IndexHash?) {
        (line(i), Hash(leaves[i * 32 ..< i * 32 + 32])!, lookup[(i == 0 ? 0 : lookupEnds[i - 1]) ..< lookupEnds[i]], contractKeys[i])
    }

    /// Record `i` prepared again at `seq` (records before it were not appended).
    func prepareAgain(_ i: Int, seq: UInt64, context: HashContext) throws
        -> (line: ArraySlice<UInt8>, leaf: Hash, lookup: ArraySlice<(UInt64, UInt64)>, contractKey: IndexHash?) {
        let p = try source.chunk.withLine(source.lines.lowerBound + i) {
            try ChainStore.prepare($0, seq: seq, time: time, context: context)
        }
        return (p.line[...], p.leaf, p.lookup[...], p.contractKey)
    }
}
