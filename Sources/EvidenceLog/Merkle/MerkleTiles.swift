import EvidenceSupport

/// C2SP tlog-tiles: the tree served as static 256-hash tiles.
///
/// A tile at level L holds the stored hashes of tree level 8·L, so every tile
/// hash is read straight from the stored-hash layout of `StoredHash`.
public enum Tile {
    public static let height = 8
    public static let width: UInt64 = 256

    /// `<N>` of a tile path: 3-digit groups, all but the last prefixed `x`
    /// (index 1234067 is `x001/x234/067`).
    public static func encodeIndex(_ n: UInt64) -> String {
        var groups: [String] = []
        var m = n
        repeat {
            let g = String(m % 1000)
            groups.append(String(repeating: "0", count: 3 - g.count) + g)
            m /= 1000
        } while m > 0
        return groups.reversed().enumerated().map { i, g in i == groups.count - 1 ? g : "x" + g }
            .joined(separator: "/")
    }

    /// `tile/<L>/<N>[.p/<W>]`; width 256 is a full tile.
    public static func path(level: Int, index: UInt64, width: UInt64) -> String {
        precondition(width >= 1 && width <= Tile.width)
        let base = "tile/\(level)/\(encodeIndex(index))"
        return width == Tile.width ? base : base + ".p/\(width)"
    }

    /// `tile/entries/<N>[.p/<W>]`.
    public static func entriesPath(index: UInt64, width: UInt64) -> String {
        precondition(width >= 1 && width <= Tile.width)
        let base = "tile/entries/\(encodeIndex(index))"
        return width == Tile.width ? base : base + ".p/\(width)"
    }

    /// The tiles a tree of `size` leaves consists of at `level`: (index,
    /// width) pairs, full tiles first, then the partial one if any.
    public static func tiles(level: Int, treeSize size: UInt64) -> (full: UInt64, partialWidth: UInt64) {
        let hashes = size >> UInt64(height * level)   // hashes present at tree level 8·L
        return (hashes / width, hashes % width)
    }

    /// The bytes of tile (level, index) of `width` hashes.
    public static func data(level: Int, index: UInt64, width: UInt64, reader: StoredHashReader) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(width) * Merkle.hashSize)
        for i in 0..<width {
            out += try reader.storedHash(at: StoredHash.index(level: level * height, n: index * Tile.width + i))
        }
        return out
    }

    /// An entry bundle: each entry prefixed by its big-endian uint16 length.
    public static func bundle(_ entries: [[UInt8]]) throws -> [UInt8] {
        var out: [UInt8] = []
        for e in entries {
            guard e.count <= 0xFFFF else {
                throw EvidenceError.failure("entry of \(e.count) bytes exceeds the 65535-byte limit of tlog-tiles entry bundles")
            }
            out.append(UInt8(e.count >> 8)); out.append(UInt8(e.count & 0xFF))
            out += e
        }
        return out
    }
}

extension Tile {
    /// The entries of a bundle of `width` entries, as published at `path`.
    public static func entries(ofBundle bytes: [UInt8], width: UInt64, path: String) throws -> [[UInt8]] {
        var entries: [[UInt8]] = [], i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { throw EvidenceError.io("entry bundle ends inside a length prefix", at: path) }
            let n = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard i + 2 + n <= bytes.count else { throw EvidenceError.io("entry bundle ends inside an entry", at: path) }
            entries.append(Array(bytes[(i + 2)..<(i + 2 + n)]))
            i += 2 + n
        }
        guard entries.count == Int(width) else {
            throw EvidenceError.io("entry bundle holds \(entries.count) entries, expected \(width)", at: path)
        }
        return entries
    }

    /// The entry bundle (index, width) that holds entry `seq` of a tree of `size`.
    public static func bundle(holding seq: UInt64, treeSize size: UInt64) -> (index: UInt64, width: UInt64) {
        let index = seq / width
        return (index, min(width, size - index * width))
    }
}
