import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// A file mapped read-only: lookups, index offsets and stored hashes read
/// without a system call each. Only the bytes that exist when it is mapped
/// are read (readers trust only what the index committed before).
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(_ path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw EvidenceError.io("cannot stat: \(String(cString: strerror(errno)))", at: path) }
        let count = Int(st.st_size)
        if count == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw EvidenceError.io("cannot map: \(String(cString: strerror(errno)))", at: path)
        }
        bytes = UnsafeRawBufferPointer(start: p, count: count)
    }

    deinit {
        if let p = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: p), bytes.count) }
    }

    /// Reads will be scattered: no readahead. (A fault still maps the whole
    /// folio the page is in, up to megabytes on Linux 6: what a run reads
    /// stays resident until `releaseResidentPages`.)
    func readsAreRandom() {
        if let p = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: p), bytes.count, MADV_RANDOM) }
    }

    /// Drops this process's mapping of the pages read so far (they stay in
    /// the page cache): mapped pages count in the resident set, and a run
    /// that reads a little of everything would otherwise end up holding
    /// the whole file. Only while nothing reads the map.
    func releaseResidentPages() { releaseResidentPages(0..<bytes.count) }

    /// `releaseResidentPages` for the pages of `range` (whole pages only).
    func releaseResidentPages(_ range: Range<Int>) {
        guard let p = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min((range.upperBound + page - 1) / page * page, bytes.count)
        guard start < end else { return }
        madvise(UnsafeMutableRawPointer(mutating: p + start), end - start, MADV_DONTNEED)
    }

    func uint64(at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }
}

/// The committed chain read through maps of `CHAIN.index`, `CHAIN`,
/// `CHAIN.hashes` and the lookup's runs: the reads of k items are
/// O(k log n) memory accesses, no system call each, and any number of
/// workers may read at once.
public final class ChainBatchReader: @unchecked Sendable {
    public let store: ChainStore
    /// Entries [0, committed) were committed when the reader was made.
    public let committed: UInt64
    let index: MappedFile
    let data: MappedFile
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
        index = try MappedFile(store.index.path)
        data = try MappedFile(store.path)
        hashes = try MappedFile(store.hashes.path)
        runFiles = try lookup.runs.map { try MappedFile(ChainLookup.runPath(store.path, $0)) }
        // An item's entry and its proof's hashes are a few bytes each, far apart.
        data.readsAreRandom()
        hashes.readsAreRandom()
        guard UInt64(index.bytes.count) >= committed * 8 else {
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
            index.readsAreRandom()
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
    /// `committed`, for a stream of items, one at a time, on any worker: a
    /// binary search of each mapped run (of one page of it, once the fences
    /// are read).
    public func candidates(_ field: ChainLookup.Field, _ value: String, context: HashContext) -> [UInt64] {
        let key = ChainLookup.key(field, value, context: context)
        var out: [UInt64] = []
        for (r, file) in runFiles.enumerated() {
            let count = file.bytes.count / ChainLookup.recordSize
            var low = 0, high = count
            if let fences = fences?[r] {
                // The first fence not below the key: the key's first record
                // is in the page before it, or is that fence's own.
                var a = 0, b = fences.count
                while a < b {
                    let mid = (a + b) / 2
                    if fences[mid] < key { a = mid + 1 } else { b = mid }
                }
                (low, high) = (max(a - 1, 0) * Self.fenceSpacing, min(a * Self.fenceSpacing, count))
            }
            while low < high {
                let mid = (low + high) / 2
                if file.uint64(at: mid * ChainLookup.recordSize) < key { low = mid + 1 } else { high = mid }
            }
            while low < count, file.uint64(at: low * ChainLookup.recordSize) == key {
                let seq = file.uint64(at: low * ChainLookup.recordSize + 8)
                if seq < committed { out.append(seq) }
                low += 1
            }
        }
        if runFiles.count > 1 { out.sort() }
        return out
    }

    /// Records of a lookup run per fence: a 4 KiB page of 16-byte records.
    static let fenceSpacing = 4096 / ChainLookup.recordSize
    /// Each run's every `fenceSpacing`-th key, once many items are to be
    /// looked up: a search then reads one page of the run, not the twenty
    /// a binary search of a ten-million-entry log touches (each a page
    /// fault, and each page in the resident set until released).
    private var fences: [[UInt64]]?

    /// Reads the fences (a pass over the runs' pages, released after):
    /// worth it for a stream of items, not for a few. Before the workers.
    public func readFences() {
        guard fences == nil else { return }
        // A window at a time, released after: the pass must not bring the
        // whole lookup into the resident set either.
        let window = 16 << 20
        fences = runFiles.map { file in
            let count = file.bytes.count / ChainLookup.recordSize
            var keys: [UInt64] = []
            keys.reserveCapacity(count / Self.fenceSpacing + 1)
            var start = 0
            while start < file.bytes.count {
                let end = min(start + window, file.bytes.count)
                for offset in stride(from: start, to: end, by: Self.fenceSpacing * ChainLookup.recordSize)
                where offset + ChainLookup.recordSize <= file.bytes.count {
                    keys.append(file.uint64(at: offset))
                }
                file.releaseResidentPages(start..<end)
                start = end
            }
            return keys
        }
    }

    /// Reads of single items are scattered over every file: no readahead
    /// or mapping of neighbouring pages, which would only fill the
    /// resident set.
    public func expectScatteredReads() {
        for file in [index, data, hashes] + runFiles { file.readsAreRandom() }
    }

    /// Drops the pages read so far from the resident set (see
    /// `MappedFile.releaseResidentPages`): between batches of items, while
    /// no worker reads.
    public func releaseResidentPages() {
        for file in [index, data, hashes] + runFiles { file.releaseResidentPages() }
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

    /// Entry `seq`'s line, without its newline.
    func line(_ seq: UInt64) throws -> UnsafeRawBufferPointer {
        let start = seq == 0 ? 0 : index.uint64(at: Int(seq - 1) * 8)
        let stop = index.uint64(at: Int(seq) * 8)
        guard start < stop, stop - start <= UInt64(ChainEntry.maximumEntryBytes) * 8 else {
            throw EvidenceError.failure("index entry \(seq) is corrupt", at: index.path)
        }
        guard stop <= UInt64(data.bytes.count), data.bytes[Int(stop) - 1] == 0x0A else {
            throw EvidenceError.failure("entry \(seq) is missing or torn", at: store.path)
        }
        return UnsafeRawBufferPointer(rebasing: data.bytes[Int(start)..<Int(stop) - 1])
    }

    /// Entry `seq`, parsed and checked against its leaf.
    public func entry(_ seq: UInt64, context: HashContext) throws -> ChainEntry {
        do {
            return try ChainEntry.parse(line: try line(seq), expectedSeq: seq, context: context)
        } catch let e as EvidenceError where e.kind != .io {
            throw EvidenceError.failure("chain entry \(seq) is corrupt: \(e.message) (run 'evchain audit')", at: store.path)
        }
    }

    /// The entries among `seqs` whose record has `value` in `field`.
    public func confirmed(_ seqs: [UInt64], _ field: ChainLookup.Field, _ value: String,
                          context: HashContext) throws -> [ChainEntry] {
        let name = field == .id ? "id" : "contract"
        return try seqs.map { try entry($0, context: context) }.filter { $0.record[name]?.stringValue?.sameBytes(as: value) == true }
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
