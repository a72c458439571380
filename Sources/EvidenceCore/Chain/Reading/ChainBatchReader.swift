import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The committed chain read for many items at once: `CHAIN.hashes` and
/// the lookup's runs mapped, an entry's two offsets in `CHAIN.index` and
/// its line in `CHAIN` read with `pread`. Any number of workers may read
/// at once.
public final class ChainBatchReader: @unchecked Sendable {
    public let store: ChainStore
    /// Entries [0, committed) were committed when the reader was made.
    public let committed: UInt64
    let index: PositionalFile
    let data: PositionalFile
    let hashes: MappedFile
    let lookup: ChainLookup
    /// The lookup's runs, mapped: many keys are searched in them in key order.
    let runFiles: [MappedFile]

    /// Nil when the lookup does not cover every committed entry (a chain
    /// from before it, or one whose lookup is behind or unreadable): the
    /// caller then scans, as before.
    public init?(_ store: ChainStore) throws {
        self.store = store
        committed = try store.size()
        guard let lookup = try? ChainLookup(chain: store.path), lookup.coverage >= committed, committed > 0,
              (try? lookup.opened()) != nil
        else { return nil }
        self.lookup = lookup
        index = try PositionalFile(store.index.path)
        data = try PositionalFile(store.path)
        hashes = try MappedFile(store.hashes.path)
        runFiles = try lookup.runs.map { try MappedFile(ChainLookup.runPath(store.path, $0)) }
        // An item's proof's hashes are a few bytes each, far apart.
        hashes.readsAreRandom()
        guard UInt64(index.size) >= committed * 8 else {
            throw EvidenceError.io("index is shorter than its size", at: index.path)
        }
    }

    /// The candidate seqs of each (field, value), ascending, below
    /// `committed`. Many keys: sorted, and each run (mapped) searched once
    /// in key order, every search starting where the previous key's ended.
    public func candidates(_ wanted: [(ChainLookup.Field, String)]) throws -> [[UInt64]] {
        let context = HashContext(.sha256)
        // Few keys in a large log: a binary search of pread calls per key
        // and run, touching a few pages of each; mapping the runs would map
        // (and unmap) the pages around every probe too.
        if UInt64(wanted.count) < committed / 1024 {
            return try wanted.map { try lookup.candidates($0.0, $0.1, below: committed, context: context) }
        }
        return mappedCandidates(wanted.map { ChainLookup.key($0.0, $0.1, context: context) })
    }

    /// The candidate seqs of each key, ascending, below `committed`: the
    /// keys sorted, and each mapped run searched once in key order, every
    /// search starting where the previous key's ended.
    func mappedCandidates(_ keys: [UInt64]) -> [[UInt64]] {
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var out = [[UInt64]](repeating: [], count: keys.count)
        for file in runFiles {
            let count = file.bytes.count / ChainLookup.recordSize
            var low = 0
            for i in order {
                let key = keys[i]
                low = ChainBatchReader.lowerBound(file, count: count, key: key, from: low)
                var j = low
                while j < count, file.uint64(at: j * ChainLookup.recordSize) == key {
                    let seq = file.uint64(at: j * ChainLookup.recordSize + 8)
                    if seq < committed { out[i].append(seq) }
                    j += 1
                }
            }
        }
        for i in out.indices where runFiles.count > 1 { out[i].sort() }
        return out
    }

    /// The candidate seqs of one id or contract, ascending, below
    /// `committed`, for a stream of items, one at a time, on any worker:
    /// one `pread` of its bucket in each run once the buckets are read, a
    /// binary search of each mapped run before.
    public func candidates(_ field: ChainLookup.Field, _ value: String, context: HashContext) -> [UInt64] {
        let key = ChainLookup.key(field, value, context: context)
        var out: [UInt64] = []
        for (r, file) in runFiles.enumerated() {
            let count = file.bytes.count / ChainLookup.recordSize
            var range = 0..<count
            if let bucket = buckets?[r]?.records(of: key) {
                if bucket.count <= Self.bucketReadLimit, readBucket(file, bucket, key: key, into: &out) { continue }
                range = bucket
            }
            var low = Self.lowerBound(file, count: range.upperBound, key: key, from: range.lowerBound)
            while low < count, file.uint64(at: low * ChainLookup.recordSize) == key {
                let seq = file.uint64(at: low * ChainLookup.recordSize + 8)
                if seq < committed { out.append(seq) }
                low += 1
            }
        }
        if runFiles.count > 1 { out.sort() }
        return out
    }

    /// Records read in one `pread` at most (4 KiB); a larger bucket (a
    /// contract with hundreds of entries) is searched in the map.
    static let bucketReadLimit = 256

    /// Appends the seqs of `key`'s records in `bucket` of `file`, read with
    /// one `pread`; false if it cannot be read (then the map is searched).
    private func readBucket(_ file: MappedFile, _ bucket: Range<Int>, key: UInt64, into out: inout [UInt64]) -> Bool {
        if bucket.isEmpty { return true }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * bucket.count) { words in
            let raw = UnsafeMutableRawBufferPointer(words)
            guard file.positional.read(into: raw, at: bucket.lowerBound * ChainLookup.recordSize) else { return false }
            for i in 0..<bucket.count where UInt64(bigEndian: words[2 * i]) == key {
                let seq = UInt64(bigEndian: words[2 * i + 1])
                if seq < committed { out.append(seq) }
            }
            return true
        }
    }

    /// Each run's buckets, once many items are to be looked up: a search
    /// then reads a few hundred bytes of the run, not the twenty pages a
    /// binary search of a ten-million-entry log touches (each a page fault,
    /// and each page in the resident set until released).
    private var buckets: [LookupBuckets?]?

    /// Reads the buckets (a pass over each run, its pages released after):
    /// worth it for a stream of items, not for a few. Before the workers.
    /// The runs other than the largest get a `BloomFilter` too, smallest
    /// first while they fit in `filterMemory`: an item's entries are in one
    /// run or two, and most in the largest, so its search skips the others.
    public func readBuckets(filterMemory: Int = 16 << 20) {
        guard buckets == nil else { return }
        let counts = runFiles.map { $0.bytes.count / ChainLookup.recordSize }
        let largest = counts.indices.max { counts[$0] < counts[$1] }
        var filtered = Set<Int>()
        var budget = filterMemory
        for r in counts.indices.sorted(by: { counts[$0] < counts[$1] }) where r != largest {
            let size = BloomFilter.byteCount(keys: counts[r], bitsPerKey: LookupBuckets.filterBitsPerKey)
            guard size <= budget else { break }
            filtered.insert(r)
            budget -= size
        }
        buckets = runFiles.indices.map { LookupBuckets(runFiles[$0], filtered: filtered.contains($0)) }
    }

    /// Reads of single items are scattered over the mapped files: no
    /// readahead, which would only fill the page cache.
    public func expectScatteredReads() {
        for file in [hashes] + runFiles { file.readsAreRandom() }
    }

    /// Drops the pages read so far from the resident set (see
    /// `MappedFile.releaseResidentPages`): between batches of items, while
    /// no worker reads.
    public func releaseResidentPages() {
        for file in [hashes] + runFiles { file.releaseResidentPages() }
    }

    /// Bytes of files mapped into this process and resident (the `shared`
    /// count of /proc/self/statm), or nil where there is no such file:
    /// pages a fault maps in come in folios of up to megabytes, so only
    /// the kernel knows how many a run of reads has brought in.
    public static func residentMappedBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { return nil }
        let fields = buffer[..<n].split(separator: 0x20)
        guard fields.count >= 3, let pages = Int(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// For the records of a share prepared for append, the latest committed
    /// entry of each one's id, where the log has one: the candidates of its
    /// id key, latest first, each confirmed against the entry (its id, as
    /// bytes), and whether that entry has the record's `alg` and `digest`.
    func latestEntries(ofIDsIn share: PreparedShare, context: HashContext) throws -> [Int: LoggedEntry] {
        let candidates = mappedCandidates((0..<share.count).map { share.idKey($0) })
        var out: [Int: LoggedEntry] = [:]
        for (i, seqs) in candidates.enumerated() where !seqs.isEmpty {
            let id = share.id(i)
            for seq in seqs.reversed() {
                let logged = try entry(seq, context: context)
                guard let loggedID = logged.record["id"]?.stringValue, loggedID.utf8.elementsEqual(id) else { continue }
                let line = share.line(i).dropLast()   // without its newline
                let mine = try line.withUnsafeBytes {
                    try ChainEntry.parse(line: $0, expectedSeq: share.firstSeq + UInt64(i), context: context)
                }
                func same(_ field: String) -> Bool {
                    guard let a = mine.record[field]?.stringValue, let b = logged.record[field]?.stringValue else { return false }
                    return a.utf8.elementsEqual(b.utf8)
                }
                out[i] = LoggedEntry(seq: seq, time: logged.time, leaf: logged.leaf, sameDigest: same("alg") && same("digest"))
                break
            }
        }
        return out
    }

    /// The first record at or after `from` whose key is not below `key`:
    /// galloping from `from`, then a binary search.
    static func lowerBound(_ file: MappedFile, count: Int, key: UInt64, from: Int) -> Int {
        func keyAt(_ i: Int) -> UInt64 { file.uint64(at: i * ChainLookup.recordSize) }
        var low = from, step = 1, high = from
        while high < count && keyAt(high) < key {
            low = high + 1
            high = from + step
            step *= 2
        }
        high = min(high, count)
        while low < high {
            let mid = (low + high) / 2
            if keyAt(mid) < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// `body` of entry `seq`'s line, without its newline: its offsets in
    /// the index and its bytes read with `pread`.
    func withLine<R>(_ seq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        // Offsets (seq - 1, seq): the end of the line before and of this one.
        var offsets: (UInt64, UInt64) = (0, 0)
        let read = seq == 0
            ? withUnsafeMutableBytes(of: &offsets.1) { index.read(into: $0, at: 0) }
            : withUnsafeMutableBytes(of: &offsets) { index.read(into: $0, at: Int(seq - 1) * 8) }
        guard read else { throw EvidenceError.failure("index entry \(seq) cannot be read", at: index.path) }
        let (start, stop) = (UInt64(bigEndian: offsets.0), UInt64(bigEndian: offsets.1))
        guard start < stop, stop - start <= UInt64(ChainEntry.maximumEntryBytes) * 8 else {
            throw EvidenceError.failure("index entry \(seq) is corrupt", at: index.path)
        }
        let count = Int(stop - start)
        return try withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { buffer in
            guard stop <= UInt64(data.size), data.read(into: buffer, at: Int(start)), buffer[count - 1] == 0x0A else {
                throw EvidenceError.failure("entry \(seq) is missing or torn", at: store.path)
            }
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<(count - 1)]))
        }
    }

    /// Entry `seq`, parsed and checked against its leaf.
    public func entry(_ seq: UInt64, context: HashContext) throws -> ChainEntry {
        do {
            return try withLine(seq) { try ChainEntry.parse(line: $0, expectedSeq: seq, context: context) }
        } catch let e as EvidenceError where e.kind != .io {
            throw EvidenceError.failure("chain entry \(seq) is corrupt: \(e.message) (run 'evchain audit')", at: store.path)
        }
    }

    /// The entries among `seqs` whose record has `value` in `field`.
    public func confirmed(_ seqs: [UInt64], _ field: ChainLookup.Field, _ value: String,
                          context: HashContext) throws -> [ChainEntry] {
        var out: [ChainEntry] = []
        for seq in seqs {
            let e = try entry(seq, context: context)
            if e.recordString(field)?.sameBytes(as: value) == true { out.append(e) }
        }
        return out
    }

    /// The Merkle tree from the mapped stored hashes.
    public var tree: MerkleTreeReader { MerkleTreeReader(MappedHashReader(file: hashes)) }
}

/// Stored hashes read from a mapped `CHAIN.hashes`.
struct MappedHashReader: StoredHashReader {
    let file: MappedFile
    func storedHash(at index: UInt64) throws -> Hash {
        let (offset, overflow) = index.multipliedReportingOverflow(by: 32)
        guard !overflow, offset + 32 <= UInt64(file.bytes.count) else {
            throw EvidenceError.failure("stored hash \(index) is missing (file truncated)", at: file.path)
        }
        // Copied in one piece straight into the hash (a generic copy from
        // the slice was a byte loop); 32 bytes, checked above.
        return Hash { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: file.bytes[Int(offset)..<Int(offset) + 32])) }
    }
}
