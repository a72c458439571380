import Glibc
import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// What a tiles export wrote.
public struct TileExport: Sendable {
    public var treeSize: UInt64
    public var previousSize: UInt64
    public var filesWritten: Int
    /// Files an interrupted export had left in its staging folder, removed.
    public var leftoversRemoved: Int
}

extension ChainStore {
    /// Exports the tree at `cp`'s size as C2SP tlog-tiles under `directory`:
    /// `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` (each entry the
    /// bytes whose leaf hash is in the level-0 tile), the lookup files of
    /// `TileLookup`, the contract index files of `ContractIndexTiles` (when
    /// the log has an index at that size) and `checkpoint`.
    ///
    /// Incremental: full tiles and bundles already exported for the previous
    /// `checkpoint` in the directory are not rewritten. That checkpoint must
    /// be consistent with this chain (same root at its size), so an export
    /// never silently republishes a rewritten history. Each file is written
    /// atomically; `checkpoint` goes last, so a reader never sees a
    /// checkpoint whose tiles are missing. One export at a time writes to a
    /// directory (an exclusive lock on it), and what a killed one left is
    /// removed by the next (`TileFileWriter`).
    /// `progress` is told the entries (by seq) whose bundles are written.
    public func exportTiles(to directory: String, checkpoint cp: ChainCheckpoint,
                            progress: ProgressHandler? = nil) throws -> TileExport {
        let files = try TileFileWriter(directory)
        let size = cp.checkpoint.size
        var previous: UInt64 = 0
        let checkpointFile = "\(directory)/checkpoint"
        if DurableFile.exists(checkpointFile) {
            let old = try Checkpoint(text: try SignedNote(parsing: try DurableFile.readAll(checkpointFile)).text)
            guard old.origin == origin else {
                throw EvidenceError.failure("\(checkpointFile) is for log \"\(old.origin)\", not \"\(origin)\"")
            }
            guard old.size <= size else {
                throw EvidenceError.failure("the export already holds size \(old.size), larger than \(size)")
            }
            guard try tree.treeHash(size: old.size) == old.root else {
                throw EvidenceError.failure("the exported checkpoint of size \(old.size) does not match this chain (history rewritten?)")
            }
            previous = old.size
        }
        // A directory written by an older version (one lookup file per
        // name) gets its lookup rebuilt from the first entry.
        let lookupFrom = DurableFile.exists("\(directory)/\(TileLookup.formatPath)") ? previous : 0
        // The contract index tiles, when the log has an index at this size:
        // updated from the entries since `previous` when the export's are
        // of that size, else rebuilt from the store.
        let indexRoot = try contractIndexRoot(size: size)
        if let signed = cp.checkpoint.contractIndexRoot, signed != indexRoot {
            throw EvidenceError.failure("the checkpoint's contract index root is not the chain's index at size \(size) (run 'evchain audit')", at: path)
        }
        var indexUpdate: ContractIndexTilesUpdate? = nil
        if indexRoot != nil, previous > 0,
           let format = try? DurableFile.readAll("\(directory)/\(ContractIndexTiles.formatPath)"),
           ContractIndexTiles.size(ofFormat: format) == previous {
            indexUpdate = ContractIndexTilesUpdate(from: previous)
        }
        do {
            try writeTiles(files, size: size, previous: previous)
            var lookups = TileLookupBatch()
            let first = min(Tile.tiles(level: 0, treeSize: previous).full, lookupFrom / Tile.width)
            try writeEntryBundles(files, size: size, from: first, previous: previous, lookupFrom: lookupFrom, lookups: &lookups,
                                  indexUpdate: &indexUpdate, progress: progress)
            if let indexRoot {
                try writeContractIndexTiles(files, directory: directory, size: size, root: indexRoot, update: indexUpdate)
            }
            if size > lookupFrom {
                _ = try lookups.write(to: directory, previous: lookupFrom) { try files.write($0, $1) }
                try files.write(TileLookup.formatPath, TileLookup.format)
            }
            try writeKeptCheckpoints(files, size: size)
            try files.commit()
            // Last, on its own: a reader never sees a checkpoint whose tiles are missing.
            try files.write("checkpoint", Array(cp.note.utf8))
            try files.commit()
        } catch {
            files.abandon()
            throw error
        }
        return TileExport(treeSize: size, previousSize: previous, filesWritten: files.written,
                          leftoversRemoved: files.leftoversRemoved)
    }

    /// The hash tiles of every level: those new since `previous`, and the partial ones.
    private func writeTiles(_ files: TileFileWriter, size: UInt64, previous: UInt64) throws {
        let reader = HashFileReader(file: hashes)
        var level = 0
        while size >> UInt64(Tile.height * level) > 0 {
            let (full, partial) = Tile.tiles(level: level, treeSize: size)
            let (oldFull, _) = Tile.tiles(level: level, treeSize: previous)
            for n in oldFull..<full {
                try files.write(Tile.path(level: level, index: n, width: Tile.width),
                                Tile.data(level: level, index: n, width: Tile.width, reader: reader))
            }
            if partial > 0 {
                try files.write(Tile.path(level: level, index: full, width: partial),
                                Tile.data(level: level, index: full, width: partial, reader: reader))
            }
            level += 1
        }
    }

    /// One sequential pass over the entries of the level-0 tiles from
    /// `first`: the bundles new since `previous` (and the partial one), and
    /// the lookup lines of the entries from `lookupFrom`. Each entry's bytes
    /// are cut from its chain line and checked against the leaf hash the
    /// tree holds, so a damaged line is never published.
    private func writeEntryBundles(_ files: TileFileWriter, size: UInt64, from first: UInt64, previous: UInt64,
                                   lookupFrom: UInt64, lookups: inout TileLookupBatch,
                                   indexUpdate: inout ContractIndexTilesUpdate?,
                                   progress: ProgressHandler? = nil) throws {
        let firstSeq = first * Tile.width
        guard firstSeq < size else { return }
        let reader = HashFileReader(file: hashes)
        let lines = try ChainLineReader(store: self, from: firstSeq)
        let context = HashContext(.sha256)
        let rewriteFrom = Tile.tiles(level: 0, treeSize: previous).full
        var n = first
        while n * Tile.width < size {
            let width = min(Tile.width, size - n * Tile.width)
            let leaves = try Tile.data(level: 0, index: n, width: width, reader: reader)
            var entries: [[UInt8]] = []
            entries.reserveCapacity(Int(width))
            for i in 0..<Int(width) {
                let seq = n * Tile.width + UInt64(i)
                let bytes = try lines.next { try ChainTileEntry(line: $0, seq: seq, store: self) }
                let leaf = Merkle.leafHash(bytes.entry, using: context)
                guard leaf.elementsEqual(leaves[(i * 32)..<((i + 1) * 32)]) else {
                    throw EvidenceError.failure("chain entry \(seq) does not match its leaf hash (run 'evchain audit')", at: path)
                }
                if seq >= lookupFrom {
                    if let id = bytes.id { lookups.add(.id, name: id, seq: seq) }
                    if let c = bytes.contract { lookups.add(.contract, name: c, seq: seq) }
                }
                if let from = indexUpdate?.from, seq >= from, let c = bytes.contract {
                    indexUpdate!.add(contract: c, seq: seq, leaf: leaf)
                }
                if n >= rewriteFrom { entries.append(bytes.entry) }
            }
            if n >= rewriteFrom { try files.write(Tile.entriesPath(index: n, width: width), try Tile.bundle(entries)) }
            n += 1
            progress?(Int(min(size, n * Tile.width)), 0)
        }
    }

}

/// The files of one export, written without a sync each: every file goes
/// to a temporary beside it, then one sync(2) makes them all durable, they
/// are renamed into place, and a second sync makes the names durable — two
/// syncs for an export of a 10-million-entry log instead of two per file.
/// Until `commit`, nothing a reader can fetch has changed.
final class TileFileWriter {
    let directory: String
    /// Where the files are written before they are renamed into place: one
    /// folder, so that what a killed export leaves is found without walking
    /// the export (`<name>.tmp.PID` beside each file once was, and stayed).
    let staging: String
    private var pending: [(temporary: String, path: String)] = []
    private var madeDirectories = Set<String>()
    private var lock: Int32 = -1
    private(set) var written = 0
    /// Files a killed export left in `staging`, removed when this one began.
    private(set) var leftoversRemoved = 0

    static let stagingName = ".evchain-export.tmp"

    /// Creates `directory` if needed, takes its exclusive lock (one export
    /// at a time), and removes what an interrupted export left in `staging`.
    init(_ directory: String) throws {
        self.directory = directory
        staging = "\(directory)/\(TileFileWriter.stagingName)"
        try TileFileWriter.makeDirectories(for: staging)
        lock = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw DurableFile.error("cannot open directory", directory) }
        guard flock(lock, LOCK_EX) == 0 else { throw DurableFile.error("cannot lock", directory) }
        if let dir = opendir(staging) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                guard unlink("\(staging)/\(name)") == 0 else { throw DurableFile.error("cannot remove a leftover", "\(staging)/\(name)") }
                leftoversRemoved += 1
            }
        } else if mkdir(staging, 0o755) != 0 && errno != EEXIST {
            throw DurableFile.error("cannot create directory", staging)
        }
    }

    deinit {
        rmdir(staging)
        if lock >= 0 { close(lock) }
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let p = "\(directory)/\(relative)"
        let parent = String(p[..<(p.lastIndex(of: "/") ?? p.startIndex)])
        if madeDirectories.insert(parent).inserted { try TileFileWriter.makeDirectories(for: p) }
        let temporary = "\(staging)/\(written)"
        pending.append((temporary, p))
        written += 1
        let file = try DurableFile(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try file.write(bytes, at: 0)
    }

    func commit() throws {
        CrashPoint.reach("tiles.staged")
        sync()
        for (i, f) in pending.enumerated() where rename(f.temporary, f.path) != 0 {
            let e = EvidenceError.io("cannot rename \(f.temporary): \(String(cString: strerror(errno)))", at: f.path)
            for g in pending[i...] { unlink(g.temporary) }
            pending = []
            throw e
        }
        pending = []
        sync()
    }

    /// Removes the temporaries of a failed export.
    func abandon() {
        for f in pending { unlink(f.temporary) }
        pending = []
    }

    static func makeDirectories(for file: String) throws {
        var components = file.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        var current = file.hasPrefix("/") ? "" : "."
        if file.hasPrefix("/") { components = components.dropFirst() }
        for c in components {
            current += "/" + c
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw EvidenceError.io("cannot create directory: \(String(cString: strerror(errno)))", at: current)
            }
        }
    }
}

/// Reads committed chain lines in order from entry `from` on.
final class ChainLineReader {
    let reader: JSONLinesReader
    let path: String

    init(store: ChainStore, from seq: UInt64) throws {
        path = store.path
        let offset = seq == 0 ? 0 : try store.end(of: seq - 1)
        let fd = open(store.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: store.path) }
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            close(fd)
            throw EvidenceError.io("cannot seek", at: store.path)
        }
        reader = JSONLinesReader(fd: fd, name: store.path, ownsDescriptor: true,
                                 maximumLineLength: ChainEntry.maximumEntryBytes + 4096)
    }

    func next<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard let v = try reader.withNextLine(body) else {
            throw EvidenceError.failure("the chain ends before its index does (run 'evchain audit')", at: path)
        }
        return v
    }
}

/// What an export needs of one chain line: its entry bytes (the leaf's
/// preimage) cut from the line, and its id and contract as UTF-8.
struct ChainTileEntry {
    var entry: [UInt8]
    var id: [UInt8]?
    var contract: [UInt8]?

    static let leafSuffixCount = #","leaf":""#.utf8.count + 64 + 2

    init(line: UnsafeRawBufferPointer, seq: UInt64, store: ChainStore) throws {
        let head = Array(#"{"seq":\#(seq),"time":""#.utf8)
        let b = line.bindMemory(to: UInt8.self)
        let timeStart = head.count
        var timeEnd = timeStart
        while timeEnd < b.count && b[timeEnd] != 0x22 { timeEnd += 1 }
        let recordKey = Array(#"","record":"#.utf8)
        let recordStart = timeEnd + recordKey.count
        let recordEnd = b.count - ChainTileEntry.leafSuffixCount
        guard b.count > head.count, memcmp(line.baseAddress!, head, head.count) == 0, recordStart < recordEnd,
              b[timeEnd..<recordStart].elementsEqual(recordKey),
              b[recordEnd..<recordEnd + 9].elementsEqual(#","leaf":""#.utf8) else {
            // Not the one spelling: the full parse says what is wrong.
            let e = try store.entry(seq)
            entry = e.entryBytes
            id = e.record["id"]?.stringValue.map { Array($0.utf8) }
            contract = e.record["contract"]?.stringValue.map { Array($0.utf8) }
            return
        }
        let record = UnsafeRawBufferPointer(rebasing: line[recordStart..<recordEnd])
        var out: [UInt8] = []
        out.reserveCapacity(record.count + 64)
        out.appendUTF8(#"{"record":"#)
        out += record
        out.appendUTF8(#","seq":"#)
        out.appendUTF8(String(seq))
        out.appendUTF8(#","time":""#)
        out += b[timeStart..<timeEnd]
        out.appendUTF8(#""}"#)
        entry = out
        id = try ChainTileEntry.name(after: ChainScan.idKey, in: record)
        contract = try ChainTileEntry.name(after: ChainScan.contractKey, in: record)
    }

    /// A record's string field as UTF-8, unescaped.
    static func name(after key: [UInt8], in record: UnsafeRawBufferPointer) throws -> [UInt8]? {
        guard let raw = ChainScan.rawString(after: key, in: record) else { return nil }
        guard raw.contains(0x5c) else { return Array(raw) }
        guard case .string(let s) = try JSON.parse([0x22] + Array(raw) + [0x22]) else { return nil }
        return Array(s.utf8)
    }
}
