import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Reads a published file of a C2SP tlog-tiles directory by its relative
/// path (`tile/0/000`, `checkpoint`, …): a file system or an HTTP GET, given
/// by the caller. Nil when there is no such file (ENOENT, HTTP 404); throws
/// on anything else but the whole file.
public typealias TileFetch = @Sendable (String) throws -> [UInt8]?

/// The hashes of a tree of `treeSize` leaves, read from tlog-tiles (the role
/// of Go's tlog.TileHashReader; our own code): a hash at tree level 8·L+r is
/// the root of 2^r consecutive hashes of one level-L tile. Each tile is
/// fetched once and kept, so the hashes of a proof cost one fetch per tile
/// they fall in. Nothing read here is trusted: a proof built from it is
/// only as good as its check against a signed root.
public final class TileHashReader: StoredHashReader, @unchecked Sendable {
    public let treeSize: UInt64
    private let fetch: TileFetch
    private let lock = Lock()
    private var tiles: [String: [Hash]] = [:]
    /// How many tiles were fetched.
    public private(set) var fetches = 0

    public init(treeSize: UInt64, fetch: @escaping TileFetch) {
        self.treeSize = treeSize
        self.fetch = fetch
    }

    public func storedHash(at index: UInt64) throws -> Hash {
        throw EvidenceError.failure("tiles are read by level and index, not by stored-hash position")
    }

    public func hash(level: Int, n: UInt64) throws -> Hash {
        let tileLevel = level / Tile.height, r = level % Tile.height
        let first = n << UInt64(r), count = UInt64(1) << UInt64(r)
        let index = first / Tile.width, offset = Int(first % Tile.width)
        let present = treeSize >> UInt64(Tile.height * tileLevel)
        guard (first + count) <= present else {
            throw EvidenceError.failure("hash \(n) at level \(level) is not in a tree of size \(treeSize)")
        }
        let width = min(Tile.width, present - index * Tile.width)
        let data = try tile(level: tileLevel, index: index, width: width)
        var row = Array(data[offset..<offset + Int(count)])
        let context = HashContext(.sha256)
        while row.count > 1 {
            row = stride(from: 0, to: row.count, by: 2).map { Merkle.nodeHash(row[$0], row[$0 + 1], using: context) }
        }
        return row[0]
    }

    private func tile(level: Int, index: UInt64, width: UInt64) throws -> [Hash] {
        let path = Tile.path(level: level, index: index, width: width)
        return try lock.withLock { () throws -> [Hash] in
            if let t = tiles[path] { return t }
            guard let data = try fetch(path) else { throw EvidenceError.io("not found (the tiles are incomplete)", at: path) }
            fetches += 1
            guard data.count == Int(width) * Merkle.hashSize, let hashes = Hash.split(data) else {
                throw EvidenceError.io("expected \(Int(width) * Merkle.hashSize) bytes (\(width) hashes), found \(data.count)", at: path)
            }
            tiles[path] = hashes
            return hashes
        }
    }
}
