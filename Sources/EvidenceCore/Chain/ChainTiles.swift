import Glibc
import EvidenceLog
import EvidenceSupport

/// What a tiles export wrote.
public struct TileExport: Sendable {
    public var treeSize: UInt64
    public var previousSize: UInt64
    public var filesWritten: Int
}

extension ChainStore {
    /// Exports the tree at `cp`'s size as C2SP tlog-tiles under `directory`:
    /// `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` (each entry the
    /// bytes whose leaf hash is in the level-0 tile), the lookup files of
    /// `TileLookup` and `checkpoint`.
    ///
    /// Incremental: full tiles and bundles already exported for the previous
    /// `checkpoint` in the directory are not rewritten. That checkpoint must
    /// be consistent with this chain (same root at its size), so an export
    /// never silently republishes a rewritten history. Each file is written
    /// atomically; `checkpoint` goes last, so a reader never sees a
    /// checkpoint whose tiles are missing.
    public func exportTiles(to directory: String, checkpoint cp: ChainCheckpoint) throws -> TileExport {
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
        var written = 0
        let reader = HashFileReader(file: hashes)
        var level = 0
        while size >> UInt64(Tile.height * level) > 0 {
            let (full, partial) = Tile.tiles(level: level, treeSize: size)
            let (oldFull, _) = Tile.tiles(level: level, treeSize: previous)
            for n in oldFull..<full {
                try writeFile(directory, Tile.path(level: level, index: n, width: Tile.width),
                              Tile.data(level: level, index: n, width: Tile.width, reader: reader))
                written += 1
                if level == 0 { try writeBundle(directory, n, Tile.width); written += 1 }
            }
            if partial > 0 {
                try writeFile(directory, Tile.path(level: level, index: full, width: partial),
                              Tile.data(level: level, index: full, width: partial, reader: reader))
                written += 1
                if level == 0 { try writeBundle(directory, full, partial); written += 1 }
            }
            level += 1
        }
        if size > previous {
            written += try exportLookups(to: directory, from: previous, to: size) { try writeFile(directory, $0, $1) }
        }
        try makeDirectories(for: checkpointFile)
        try DurableFile.replace(checkpointFile, with: Array(cp.note.utf8))
        return TileExport(treeSize: size, previousSize: previous, filesWritten: written + 1)
    }

    private func writeBundle(_ directory: String, _ n: UInt64, _ width: UInt64) throws {
        var entries: [[UInt8]] = []
        for i in 0..<width { entries.append(try entry(n * Tile.width + i).entryBytes) }
        try writeFile(directory, Tile.entriesPath(index: n, width: width), try Tile.bundle(entries))
    }

    private func writeFile(_ directory: String, _ relative: String, _ bytes: [UInt8]) throws {
        let p = "\(directory)/\(relative)"
        try makeDirectories(for: p)
        try DurableFile.replace(p, with: bytes)
    }

    private func makeDirectories(for file: String) throws {
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
