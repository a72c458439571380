import Glibc
import EvidenceSupport

/// The ids `evhash` has emitted in one run, and where each first was, in
/// memory bounded by a setting rather than by the input: ids must be unique
/// in a run (later tools find evidence by id), so every id is checked before
/// its record goes out, and a run may hold tens of millions of them.
///
/// Each id is kept as its fingerprint (`fingerprint(_:)`, equal for ids
/// `String` holds equal, i.e. canonically equivalent), its first location
/// and its bytes. Up to `memory`'s table share they are in an open-addressed
/// table; past it the table is sorted by fingerprint and spilled as a run to
/// an unnamed file (`SpillFile`: nothing is left behind, even when killed),
/// keeping in memory one fingerprint per block of the run and a Bloom filter
/// of every spilled fingerprint. An id the filter has not seen is new
/// without a read; one it may have seen is looked up in each run, a read of
/// one block. A fingerprint match is decided on the ids' bytes, so the
/// answer is exact, whatever collides.
public struct RecordIDTable {
    enum Verdict: Equatable {
        case new
        /// The same bytes were first at this location.
        case duplicate(first: Int)
        /// Other bytes, canonically equivalent (NFC/NFD), were first there.
        case lookAlike(first: Int)
    }

    /// The default bound: with the rest of evhash, well under 256 MB.
    public static let defaultMemory = 128 << 20
    /// The smallest bound accepted (tests spill every few ids with it).
    public static let minimumMemory = 4096

    /// The fingerprint of an id (UTF-8): `String`'s own hash, which is equal
    /// for canonically equivalent strings, so look-alikes meet in the table.
    /// Per process (the hash is seeded), which is all one run needs. An
    /// ASCII id is its own NFC form, which `String` hashes as its bytes and
    /// a terminator: that is done here without making a `String` (a test
    /// holds the two equal, e.g. for ";" and its equivalent U+037E).
    static func fingerprint(_ id: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        if isASCII(id) {
            hasher.combine(bytes: id)
            hasher.combine(0xFF as UInt8)
        } else {
            hasher.combine(String(decoding: id, as: UTF8.self))
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    static func fingerprint(_ id: String) -> UInt64 {
        Array(id.utf8).withUnsafeBytes { fingerprint($0) }
    }

    /// The fingerprint of an id's bytes alone, for a table whose look-alikes
    /// do not meet: canonically equivalent ids then (almost always) differ.
    static func exactFingerprint(_ id: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: id)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        var any: UInt64 = 0
        while i + 8 <= n { any |= bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
        while i < n { any |= UInt64(bytes[i]); i += 1 }
        return any & 0x8080_8080_8080_8080 == 0
    }

    private struct Entry {
        var fingerprint: UInt64
        var location: Int
        var offset: UInt32
        var length: UInt32
    }

    /// Whether canonically equivalent ids meet (evhash refuses a look-alike
    /// of an earlier id); false: ids are only their bytes (evverify checks a
    /// look-alike as another item), and `exactFingerprint` must be used.
    private let lookAlikesMeet: Bool

    /// How much of the bound the table may use; the rest is the filter's.
    private let tableBudget: Int
    private let filterBytes: Int
    private let directory: String

    // The table: `entries` in arrival order, `slots` the open-addressed
    // index into it, `arena` the ids' bytes. A slot holds the entry's
    // number + 1 in its low half (0 is empty) and the fingerprint's high
    // half in its high half, so a probe reads an entry only on a match:
    // one cache miss per new id, on the thread that writes the output.
    private var entries: [Entry] = []
    private var slots: [UInt64]
    private var arena: [UInt8] = []

    private var spill: SpillFile?
    private var runs: [Run] = []
    private var filter: BloomFilter?

    /// Spilled ids, for tests and the bench.
    private(set) var spilledCount = 0
    var runCount: Int { runs.count }

    /// `memory`: the bytes the table and its filter may use (at least
    /// `minimumMemory`); `directory`: where the unnamed run file goes.
    init(memory: Int = RecordIDTable.defaultMemory, directory: String = RecordIDTable.defaultDirectory,
         lookAlikesMeet: Bool = true) {
        let memory = max(memory, Self.minimumMemory)
        self.lookAlikesMeet = lookAlikesMeet
        filterBytes = memory / 4
        tableBudget = memory - filterBytes
        self.directory = directory
        slots = Array(repeating: 0, count: 64)
    }

    /// `$TMPDIR`, else /tmp.
    public static var defaultDirectory: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// Records `id` at `location` unless an id equal to it, or canonically
    /// equivalent, was recorded before: then it says where, and keeps the first.
    mutating func insert(_ id: UnsafeRawBufferPointer, fingerprint: UInt64, location: Int) throws -> Verdict {
        if let verdict = findInTable(id, fingerprint: fingerprint) { return verdict }
        if let filter, filter.mayContain(fingerprint), let verdict = try findInRuns(id, fingerprint: fingerprint) {
            return verdict
        }
        try add(id, fingerprint: fingerprint, location: location)
        return .new
    }

    mutating func insert(_ id: String, location: Int) throws -> Verdict {
        try Array(id.utf8).withUnsafeBytes { id in
            try insert(id, fingerprint: lookAlikesMeet ? Self.fingerprint(id) : Self.exactFingerprint(id), location: location)
        }
    }

    /// The verdict on `id` against an earlier id of the same fingerprint, or
    /// nil when they differ (a collision of the hash, not of the ids).
    private func compare(_ id: UnsafeRawBufferPointer, _ earlier: UnsafeRawBufferPointer, first: Int) -> Verdict? {
        if id.count == earlier.count && (id.count == 0 || memcmp(id.baseAddress!, earlier.baseAddress!, id.count) == 0) {
            return .duplicate(first: first)
        }
        guard lookAlikesMeet else { return nil }
        let a = String(decoding: id, as: UTF8.self), b = String(decoding: earlier, as: UTF8.self)
        return a == b ? .lookAlike(first: first) : nil
    }

    // MARK: the table in memory

    private var mask: Int { slots.count - 1 }

    /// Touches the slots the next ids will probe first: the loads are
    /// independent, so the processor overlaps their cache misses, where
    /// `insert`, one id after another, would wait for each in turn.
    mutating func warm<S: Sequence>(_ fingerprints: S) where S.Element == UInt64 {
        let mask = self.mask
        var touched: UInt64 = 0
        slots.withUnsafeBufferPointer { slots in
            for fingerprint in fingerprints { touched &+= slots[Int(truncatingIfNeeded: fingerprint) & mask] }
        }
        warmed = touched
    }

    /// Keeps `warm`'s loads from being optimized away.
    private var warmed: UInt64 = 0

    private static func slot(_ fingerprint: UInt64, entry: Int) -> UInt64 {
        fingerprint & 0xFFFF_FFFF_0000_0000 | UInt64(entry + 1)
    }

    private func findInTable(_ id: UnsafeRawBufferPointer, fingerprint: UInt64) -> Verdict? {
        var i = Int(truncatingIfNeeded: fingerprint) & mask
        while slots[i] != 0 {
            let slot = slots[i]
            if slot & 0xFFFF_FFFF_0000_0000 == fingerprint & 0xFFFF_FFFF_0000_0000,
               case let e = entries[Int(slot & 0xFFFF_FFFF) - 1], e.fingerprint == fingerprint {
                let verdict = arena.withUnsafeBytes {
                    self.compare(id, UnsafeRawBufferPointer(rebasing: $0[Int(e.offset) ..< Int(e.offset) + Int(e.length)]), first: e.location)
                }
                if let verdict { return verdict }
            }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Bytes the table will have allocated once one more entry and `idBytes`
    /// more bytes of id are in: arrays grow by doubling, and the capacity is
    /// what takes memory.
    private func bytesAfterAdding(idBytes: Int, slots: Int) -> Int {
        let entryCapacity = entries.count < entries.capacity ? entries.capacity : max(2 * entries.capacity, 16)
        let arenaCapacity = arena.count + idBytes <= arena.capacity ? arena.capacity : max(2 * arena.capacity, arena.count + idBytes)
        return entryCapacity * MemoryLayout<Entry>.stride + slots * 8 + arenaCapacity
    }

    private mutating func add(_ id: UnsafeRawBufferPointer, fingerprint: UInt64, location: Int) throws {
        // Growing the index doubles it: spill first if that would pass the bound.
        let growing = (entries.count + 1) * 4 > slots.count * 3
        let slotCount = growing ? slots.count * 2 : slots.count
        if !entries.isEmpty, bytesAfterAdding(idBytes: id.count, slots: slotCount) > tableBudget
            || arena.count + id.count > Int(UInt32.max) {
            try spillTable()
        } else if growing {
            grow()
        }
        let entry = Entry(fingerprint: fingerprint, location: location, offset: UInt32(arena.count), length: UInt32(id.count))
        arena.append(contentsOf: id)
        entries.append(entry)
        var i = Int(truncatingIfNeeded: fingerprint) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = Self.slot(fingerprint, entry: entries.count - 1)
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = self.mask
        for (n, e) in entries.enumerated() {
            var i = Int(truncatingIfNeeded: e.fingerprint) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Self.slot(e.fingerprint, entry: n)
        }
    }

    // MARK: runs on disk

    /// A run's layout in the spill file: `count` records of `Run.recordSize`
    /// bytes (fingerprint, location, id offset, id length) sorted by
    /// fingerprint from `start`, then the ids' bytes from `idStart`.
    private struct Run {
        var start: Int
        var count: Int
        var idStart: Int
        /// The fingerprint of every `blockSize`-th record.
        var samples: [UInt64]
    }

    static let recordSize = 24
    static let blockSize = 256

    /// Sorts the table by fingerprint, writes it as one run, and empties it.
    private mutating func spillTable() throws {
        if spill == nil { spill = try SpillFile(directory: directory) }
        // Taken out while it is filled, so that it is never shared (a shared
        // array would be copied whole on the first change).
        var filter = self.filter ?? BloomFilter(bytes: filterBytes)
        self.filter = nil
        defer { self.filter = filter }
        let file = spill!
        entries.sort { $0.fingerprint < $1.fingerprint }
        // Records, then the ids in the same order; both written through
        // small buffers, so a spill costs no second copy of the table.
        var run = Run(start: file.size, count: entries.count, idStart: file.size + entries.count * Self.recordSize, samples: [])
        run.samples.reserveCapacity(entries.count / Self.blockSize + 1)
        let flushAt = 1 << 20
        var records: [UInt8] = [], ids: [UInt8] = []
        records.reserveCapacity(flushAt + Self.recordSize)
        var recordsWritten = run.start, idsWritten = run.idStart, idOffset = 0
        for (n, e) in entries.enumerated() {
            if n % Self.blockSize == 0 { run.samples.append(e.fingerprint) }
            filter.insert(e.fingerprint)
            withUnsafeBytes(of: e.fingerprint.littleEndian) { records.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt64(e.location).littleEndian) { records.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt32(idOffset).littleEndian) { records.append(contentsOf: $0) }
            withUnsafeBytes(of: e.length.littleEndian) { records.append(contentsOf: $0) }
            ids.append(contentsOf: arena[Int(e.offset) ..< Int(e.offset) + Int(e.length)])
            idOffset += Int(e.length)
            if records.count >= flushAt {
                try file.write(records, at: recordsWritten)
                recordsWritten += records.count
                records.removeAll(keepingCapacity: true)
            }
            if ids.count >= flushAt {
                try file.write(ids, at: idsWritten)
                idsWritten += ids.count
                ids.removeAll(keepingCapacity: true)
            }
        }
        try file.write(records, at: recordsWritten)
        try file.write(ids, at: idsWritten)
        runs.append(run)
        spilledCount += entries.count
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = 0 }
    }

    private func findInRuns(_ id: UnsafeRawBufferPointer, fingerprint: UInt64) throws -> Verdict? {
        for run in runs {
            if let verdict = try find(id, fingerprint: fingerprint, in: run) { return verdict }
        }
        return nil
    }

    /// Looks for `fingerprint` in a run: from the block before the first
    /// sample not below it (equal fingerprints may start there), record by
    /// record until one is above it.
    private func find(_ id: UnsafeRawBufferPointer, fingerprint: UInt64, in run: Run) throws -> Verdict? {
        var low = 0, high = run.samples.count
        while low < high {
            let mid = (low + high) / 2
            if run.samples[mid] < fingerprint { low = mid + 1 } else { high = mid }
        }
        var record = max(low - 1, 0) * Self.blockSize
        let file = spill!
        var block = [UInt8](repeating: 0, count: Self.blockSize * Self.recordSize)
        while record < run.count {
            let n = min(Self.blockSize, run.count - record)
            try file.read(into: &block, count: n * Self.recordSize, at: run.start + record * Self.recordSize)
            for k in 0 ..< n {
                let r = k * Self.recordSize
                let fp = block.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: r, as: UInt64.self)) }
                if fp < fingerprint { continue }
                if fp > fingerprint { return nil }
                let (location, offset, length) = block.withUnsafeBytes { b in
                    (Int(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: r + 8, as: UInt64.self))),
                     Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: r + 16, as: UInt32.self))),
                     Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: r + 20, as: UInt32.self))))
                }
                var earlier = [UInt8](repeating: 0, count: length)
                try file.read(into: &earlier, count: length, at: run.idStart + offset)
                if let verdict = earlier.withUnsafeBytes({ self.compare(id, $0, first: location) }) { return verdict }
            }
            record += n
        }
        return nil
    }
}

/// The inputs' names and line numbers, packed into the one integer the
/// table keeps for where an id first was (evhash, evverify).
struct LocationTable: Sendable {
    var names: [String]
    static func pack(input: Int, line: Int) -> Int { input << 40 | line }
    func describe(_ location: Int) -> String { "\(names[location >> 40]):\(location & (1 << 40 - 1))" }
}
