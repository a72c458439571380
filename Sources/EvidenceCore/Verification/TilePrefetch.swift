import Dispatch
import FoundationEssentials
import EvidenceLog
import EvidenceSupport

/// The files a verification will read from a tiles directory, fetched
/// several at a time before they are read one by one: over HTTP, a round
/// trip each would otherwise be paid in turn. Each file is fetched once;
/// a fetched file is handed out once (the readers above keep what they
/// parsed), so memory holds at most one batch.
final class TilePrefetch: @unchecked Sendable {
    // @unchecked: `fetched` and `next` are only touched under `lock`.
    static let concurrency = 8
    private let source: TileFetch
    private let lock = Lock()
    private var fetched: [String: Result<[UInt8]?, Error>] = [:]
    private var next = 0

    init(_ source: @escaping TileFetch) { self.source = source }

    /// A `TileFetch` that serves prefetched files first.
    var fetch: TileFetch {
        { [self] path in
            if let r = lock.withLock({ fetched.removeValue(forKey: path) }) { return try r.get() }
            return try source(path)
        }
    }

    /// Fetches `paths` with up to `concurrency` requests at a time. Errors
    /// are kept and thrown when the file is read, so the first error a run
    /// reports is the one it would report without prefetching.
    func fetchAll(_ paths: [String]) {
        let todo = lock.withLock { paths.filter { fetched[$0] == nil } }
        guard !todo.isEmpty else { return }
        lock.withLock { next = 0 }
        DispatchQueue.concurrentPerform(iterations: min(TilePrefetch.concurrency, todo.count)) { _ in
            while true {
                let i = lock.withLock { () -> Int in
                    defer { next += 1 }
                    return next
                }
                guard i < todo.count else { return }
                let r = Result { try source(todo[i]) }
                lock.withLock { fetched[todo[i]] = r }
            }
        }
    }
}

extension TileLog {
    /// Fetches, a few at a time, what finding the entries of `ids` and of
    /// `contracts` and proving them will read: their lookup shards and the
    /// contracts' index files, then the entry bundles the shards list (and
    /// those of the contracts' last entries), then the hash tiles of the
    /// inclusion proofs (found by building each proof once over placeholder
    /// tiles). Nothing fetched here is trusted more than before: it is read
    /// and checked as usual.
    public func prefetch(ids: [String], contracts: [String] = []) throws {
        let keys = ids.map { TileLookup.key(.id, $0) } + contracts.map { TileLookup.key(.contract, $0) }
        let indexFiles = contracts.flatMap(TileLog.contractIndexPaths)
        prefetcher.fetchAll(Array(Set(keys.map(\.shard) + indexFiles)).sorted())
        var seqs = Set<UInt64>()
        for key in keys {
            guard let lines = try shard(key.shard) else { continue }
            seqs.formUnion(TileLookup.seqs(of: key, in: lines).filter { $0 < treeSize })
        }
        for c in contracts {
            if let last = try? contractIndexProof(c).terminal?.last, last < treeSize { seqs.insert(last) }
        }
        let bundles = Set(seqs.map { seq -> String in
            let (index, width) = Tile.bundle(holding: seq, treeSize: treeSize)
            return Tile.entriesPath(index: index, width: width)
        })
        prefetcher.fetchAll(bundles.sorted())
        let needed = PathSet()
        let recorder = TileHashReader(treeSize: treeSize) { path in
            needed.insert(path)
            let width = path.split(separator: "/").last.flatMap { path.contains(".p/") ? Int($0) : nil } ?? Int(Tile.width)
            return [UInt8](repeating: 0, count: width * Merkle.hashSize)
        }
        let tree = MerkleTreeReader(recorder)
        for seq in seqs { _ = try? tree.inclusionProof(index: seq, treeSize: treeSize) }
        prefetcher.fetchAll(needed.sorted)
    }
}

/// The paths a dry run of the proofs asked for.
private final class PathSet: @unchecked Sendable {
    // @unchecked: `paths` is only touched under `lock`.
    private let lock = Lock()
    private var paths = Set<String>()
    func insert(_ p: String) { lock.withLock { _ = paths.insert(p) } }
    var sorted: [String] { lock.withLock { paths.sorted() } }
}
