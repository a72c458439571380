import EvidenceLog
import EvidenceSupport

/// A log read from a published tlog-tiles directory (`evchain tiles`): the
/// entries of an id or a contract found through `TileLookup`, read from
/// their entry bundles, and proofs built from the hash tiles for the tree
/// of `treeSize` leaves. Nothing here is trusted: every entry is checked by
/// its inclusion proof against the signed checkpoint, and an entry whose
/// bundle bytes are not its canonical spelling keeps the leaf of the bytes
/// actually published, so it fails that check.
public final class TileLog: @unchecked Sendable {
    public let treeSize: UInt64
    public let hashes: TileHashReader
    let fetch: TileFetch
    let prefetcher: TilePrefetch
    private var bundles: [UInt64: [ChainEntry]] = [:]
    /// Lookup files and entry bundles fetched.
    public private(set) var fetches = 0

    public init(treeSize: UInt64, fetch: @escaping TileFetch) {
        self.treeSize = treeSize
        prefetcher = TilePrefetch(fetch)
        self.fetch = prefetcher.fetch
        hashes = TileHashReader(treeSize: treeSize, fetch: self.fetch)
    }

    public var tree: MerkleTreeReader { MerkleTreeReader(hashes) }

    /// Any other published file (past checkpoints); nil when not there.
    public func fetchFile(_ path: String) throws -> [UInt8]? { try fetch(path) }

    /// The entries the lookup lists for `name` that lie in the tree and say
    /// they are of that name (a lookup pointing elsewhere is ignored).
    public func entries(_ kind: TileLookup.Kind, _ name: String) throws -> [ChainEntry] {
        let key = TileLookup.key(kind, name)
        guard let lines = try shard(key.shard) else { return [] }
        var out: [ChainEntry] = []
        for seq in TileLookup.seqs(of: key, in: lines) where seq < treeSize {
            let e = try entry(seq)
            if case .string(let v)? = e.record[kind.rawValue], v.sameBytes(as: name) { out.append(e) }
        }
        return out
    }

    private var shards: [String: [(key: [UInt8], seq: UInt64)]?] = [:]

    /// A lookup shard, parsed; nil if the export has none (no name of its keys).
    func shard(_ path: String) throws -> [(key: [UInt8], seq: UInt64)]? {
        if let s = shards[path] { return s }
        let parsed = try fetch(path).map { bytes in
            fetches += 1
            return try TileLookup.parse(bytes, path: path)
        }
        shards[path] = .some(parsed)
        return parsed
    }

    private var indexFiles: [String: [UInt8]?] = [:]

    /// A file of the export's contract index (`ContractIndexTiles`), kept
    /// once fetched; nil if the export has none there.
    func indexFile(_ path: String) throws -> [UInt8]? {
        if let f = indexFiles[path] { return f }
        let bytes = try fetch(path)
        if bytes != nil { fetches += 1 }
        indexFiles[path] = .some(bytes)
        return bytes
    }

    public func entry(_ seq: UInt64) throws -> ChainEntry {
        let (index, width) = Tile.bundle(holding: seq, treeSize: treeSize)
        if bundles[index] == nil {
            let path = Tile.entriesPath(index: index, width: width)
            guard let bytes = try fetch(path) else { throw EvidenceError.io("not found (the tiles are incomplete)", at: path) }
            fetches += 1
            bundles[index] = try Tile.entries(ofBundle: bytes, width: width, path: path).enumerated().map { i, raw in
                try TileLog.entry(raw, seq: index * Tile.width + UInt64(i), path: path)
            }
        }
        return bundles[index]![Int(seq - index * Tile.width)]
    }

    /// An entry from its published bytes: {"record","seq","time"} with the
    /// seq of its position; its leaf is that of the bytes as published.
    static func entry(_ raw: [UInt8], seq: UInt64, path: String) throws -> ChainEntry {
        guard case .object(let o)? = try? JSON.parse(raw), let record = o["record"], case .object = record,
              let time = o["time"]?.stringValue, o["seq"]?.integerValue == Int(seq) else {
            throw EvidenceError.io("entry \(seq) is not a log entry {\"record\",\"seq\",\"time\"}", at: path)
        }
        var e = ChainEntry(seq: seq, time: time, canonicalRecord: JCS.canonical(record))
        if e.entryBytes != raw { e.leaf = Merkle.leafHash(raw) }
        return e
    }
}
