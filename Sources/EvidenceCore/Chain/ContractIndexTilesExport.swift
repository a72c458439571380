import EvidenceLog
import EvidenceSupport

/// The entries an export adds to the contract index tiles: for each entry
/// of a contract at or past `from`, the contract's key, the seq and the leaf.
struct ContractIndexTilesUpdate {
    let from: UInt64
    var entries: [(key: Hash, seq: UInt64, leaf: Hash)] = []

    mutating func add(contract: [UInt8], seq: UInt64, leaf: Hash) {
        entries.append((ContractIndex.key(String(decoding: contract, as: UTF8.self)), seq, leaf))
    }
}

extension ChainStore {
    /// Writes the contract index tiles of the index at `size`, whose root is
    /// `root`: with `update` (the entries since the size the tiles in
    /// `directory` are of), only the shards those entries touch, their
    /// `XX/top` files and `top`; else, or when that does not reproduce `root`
    /// (files an interrupted export left half-updated), all of them from
    /// the store's leaves. Nothing is written that does not fold to `root`.
    func writeContractIndexTiles(_ files: TileFileWriter, directory: String, size: UInt64, root: Hash,
                                 update: ContractIndexTilesUpdate?) throws {
        if let update, let changed = try? ContractIndexTilesExport.updated(directory, by: update), changed.root == root {
            for (path, bytes) in changed.files { try files.write(path, bytes) }
        } else {
            let leaves = try contractIndexLeaves(size: size)
            let folded = try ContractIndexTiles.build(leaves) { try files.write($0, $1) }
            if let failure = leaves.failure { throw failure }
            guard folded == root else {
                throw EvidenceError.failure("the contract index leaves at size \(size) do not hash to its root (run 'evchain audit')", at: path)
            }
        }
        try files.write(ContractIndexTiles.formatPath, ContractIndexTiles.format(size: size))
    }
}

/// An incremental update of the index files already in an export.
enum ContractIndexTilesExport {
    /// The files `update` changes, read from `directory` and updated in
    /// memory, and the root they fold to. Throws when a file it reads is
    /// not well formed (the caller then rebuilds them all).
    static func updated(_ directory: String, by update: ContractIndexTilesUpdate) throws -> (files: [(String, [UInt8])], root: Hash) {
        func read(_ path: String) throws -> [UInt8]? {
            DurableFile.exists("\(directory)/\(path)") ? try DurableFile.readAll("\(directory)/\(path)") : nil
        }
        guard let topBytes = try read(ContractIndexTiles.topPath) else {
            throw EvidenceError.failure("no index tiles", at: directory)
        }
        var top = try ContractIndexTiles.summaries(topBytes, path: ContractIndexTiles.topPath)
        // The new entries of each touched shard, in seq order.
        var byShard: [Int: [(key: Hash, seq: UInt64, leaf: Hash)]] = [:]
        for e in update.entries { byShard[Int(e.key[0]) << 8 | Int(e.key[1]), default: []].append(e) }
        var middles: [Int: [ContractIndexTiles.Summary]] = [:]
        var files: [(String, [UInt8])] = []
        for (shard, entries) in byShard.sorted(by: { $0.key < $1.key }) {
            let (xx, yy) = (UInt8(shard >> 8), UInt8(shard & 0xff))
            let path = ContractIndexTiles.shardPath(xx, yy)
            var leaves: [Hash: ContractIndexLeaf] = [:]
            for l in try read(path).map({ try ContractIndexTiles.leaves($0, xx: xx, yy: yy, path: path) }) ?? [] { leaves[l.key] = l }
            for e in entries {
                var l = leaves[e.key] ?? ContractIndexLeaf(key: e.key, count: 0, last: 0, chain: ContractIndex.emptyChain)
                l.count += 1
                l.last = e.seq
                l.chain = ContractIndex.chainStep(l.chain, leaf: e.leaf)
                leaves[e.key] = l
            }
            let sorted = leaves.values.sorted { $0.key < $1.key }
            files.append((path, ContractIndexTiles.encode(sorted)))
            if middles[Int(xx)] == nil {
                let middlePath = ContractIndexTiles.middlePath(xx)
                middles[Int(xx)] = try read(middlePath).map { try ContractIndexTiles.summaries($0, path: middlePath) }
                    ?? [ContractIndexTiles.Summary](repeating: .empty, count: 256)
            }
            middles[Int(xx)]![Int(yy)] = .of(sorted[...], depth: 16)
        }
        for (xx, middle) in middles.sorted(by: { $0.key < $1.key }) {
            files.append((ContractIndexTiles.middlePath(UInt8(xx)), ContractIndexTiles.encode(middle)))
            top[xx] = ContractIndexTiles.levels(middle).last![0]
        }
        files.append((ContractIndexTiles.topPath, ContractIndexTiles.encode(top)))
        return (files, ContractIndexTiles.levels(top).last![0].hash)
    }
}
