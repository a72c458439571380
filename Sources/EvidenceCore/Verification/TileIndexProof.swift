import EvidenceLog
import EvidenceSupport

extension TileLog {
    /// The files `contractIndexProof` reads for `contract` in the usual
    /// case: known from its key alone, so they are fetched together.
    public static func contractIndexPaths(_ contract: String) -> [String] {
        let key = ContractIndex.key(contract)
        return [ContractIndexTiles.topPath, ContractIndexTiles.middlePath(key[0]),
                ContractIndexTiles.shardPath(key[0], key[1])]
    }

    /// The index proof of `contract` (INDEX-SPEC §2, the shortest path),
    /// built from the export's `contract-index/` files (ContractIndexTiles).
    /// Nothing is checked against the checkpoint here: the caller verifies
    /// the proof against its index root, so edited, stale or missing index
    /// files fail there or here, and never show a wrong value.
    public func contractIndexProof(_ contract: String) throws -> ContractIndexProof {
        let key = ContractIndex.key(contract)
        var siblings: [Hash] = []
        func proof(_ terminal: ContractIndexLeaf?) -> ContractIndexProof {
            ContractIndexProof(contract: contract, siblings: siblings, terminal: terminal)
        }
        let top = try indexSummaries(ContractIndexTiles.topPath, required: true)!
        switch walk(top, key: key, depth: 0, siblings: &siblings) {
        case .empty: return proof(nil)
        case .one(let slots, let hash): return proof(try loneLeaf(slots, hash: hash, under: nil))
        case .many: break
        }
        let xx = key[0]
        let middlePath = ContractIndexTiles.middlePath(xx)
        let middle = try consistent(try indexSummaries(middlePath, required: true)!, with: top[Int(xx)],
                                    path: middlePath, parent: ContractIndexTiles.topPath)
        switch walk(middle, key: key, depth: 8, siblings: &siblings) {
        case .empty: return proof(nil)
        case .one(let slots, let hash): return proof(try loneLeaf(slots, hash: hash, under: xx))
        case .many: break
        }
        let yy = key[1]
        let shardPath = ContractIndexTiles.shardPath(xx, yy)
        let leaves = try indexLeaves(xx, yy)
        let summary = ContractIndexTiles.Summary.of(leaves[...], depth: 16)
        guard summary == middle[Int(yy)] else {
            throw EvidenceError.failure("its leaves do not hash to their subtree's summary in \(middlePath)", at: shardPath)
        }
        // Down the leaves under XXYY, from depth 16, to the first subtree
        // of at most one leaf on the key's path.
        var path = leaves[...]
        var depth = 16
        while path.count > 1 {
            let split = path.firstIndex { ContractIndex.bit($0.key, depth) == 1 } ?? path.endIndex
            let (zero, one) = (path[..<split], path[split...])
            let right = ContractIndex.bit(key, depth) == 1
            siblings.append(ContractIndex.subtreeHash(right ? zero : one, depth: depth + 1))
            path = right ? one : zero
            depth += 1
        }
        return proof(path.first)
    }

    /// Where the key's path ends among 256 summaries at depth `depth + 8`:
    /// an empty subtree, a subtree of one leaf (the slots it spans), or
    /// the summary at `depth + 8` holding two or more (go down a file).
    enum IndexWalk {
        case empty
        case one(slots: Range<Int>, hash: Hash)
        case many
    }

    func walk(_ base: [ContractIndexTiles.Summary], key: Hash, depth: Int, siblings: inout [Hash]) -> IndexWalk {
        let levels = ContractIndexTiles.levels(base)
        let byte = Int(key[depth / 8])
        for t in 0...8 {
            // The node at depth + t on the key's path: the top t bits of the byte.
            let index = t == 0 ? 0 : byte >> (8 - t)
            let node = levels[8 - t][index]
            switch node.kind {
            case .empty: return .empty
            case .one: return .one(slots: (index << (8 - t))..<((index + 1) << (8 - t)), hash: node.hash)
            case .many:
                guard t < 8 else { return .many }
                let child = index << 1 | (byte >> (7 - t)) & 1
                siblings.append(levels[8 - t - 1][child ^ 1].hash)
            }
        }
        return .many
    }

    /// The lone leaf of a subtree whose summary is `hash`, spanning `slots`
    /// of `top` (`under` nil) or of the file under key byte `under`: found by
    /// following the one non-empty slot down to its shard.
    func loneLeaf(_ slots: Range<Int>, hash: Hash, under: UInt8?) throws -> ContractIndexLeaf {
        var xx: UInt8, yy: UInt8
        if let under {
            xx = under
            yy = try oneSlot(try indexSummaries(ContractIndexTiles.middlePath(under), required: true)!, slots,
                             path: ContractIndexTiles.middlePath(under))
        } else {
            let top = try indexSummaries(ContractIndexTiles.topPath, required: true)!
            xx = try oneSlot(top, slots, path: ContractIndexTiles.topPath)
            let middlePath = ContractIndexTiles.middlePath(xx)
            yy = try oneSlot(try indexSummaries(middlePath, required: true)!, 0..<256, path: middlePath)
        }
        let leaves = try indexLeaves(xx, yy)
        guard leaves.count == 1, ContractIndex.leafHash(leaves[0]) == hash else {
            throw EvidenceError.failure("expected the one leaf its summary names", at: ContractIndexTiles.shardPath(xx, yy))
        }
        return leaves[0]
    }

    /// The one slot of `slots` that is not empty, which must hold one leaf.
    func oneSlot(_ summaries: [ContractIndexTiles.Summary], _ slots: Range<Int>, path: String) throws -> UInt8 {
        let full = slots.filter { summaries[$0].kind != .empty }
        guard full.count == 1, summaries[full[0]].kind == .one else {
            throw EvidenceError.failure("expected one leaf in subtrees \(slots.lowerBound)..<\(slots.upperBound)", at: path)
        }
        return UInt8(full[0])
    }

    /// `summaries`, checked to fold to `parent` (their summary one file up).
    func consistent(_ summaries: [ContractIndexTiles.Summary], with parent: ContractIndexTiles.Summary,
                    path: String, parent parentPath: String) throws -> [ContractIndexTiles.Summary] {
        guard ContractIndexTiles.levels(summaries).last![0] == parent else {
            throw EvidenceError.failure("its subtrees do not hash to their summary in \(parentPath)", at: path)
        }
        return summaries
    }

    func indexSummaries(_ path: String, required: Bool) throws -> [ContractIndexTiles.Summary]? {
        guard let bytes = try indexFile(path) else {
            guard !required else {
                throw EvidenceError.failure("not found: the export has no contract index tiles there (exported before the log had an index?)", at: path)
            }
            return nil
        }
        return try ContractIndexTiles.summaries(bytes, path: path)
    }

    func indexLeaves(_ xx: UInt8, _ yy: UInt8) throws -> [ContractIndexLeaf] {
        let path = ContractIndexTiles.shardPath(xx, yy)
        guard let bytes = try indexFile(path) else { return [] }
        return try ContractIndexTiles.leaves(bytes, xx: xx, yy: yy, path: path)
    }
}
