import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// The entries of one append batch that carry a contract, in seq order:
/// each its contract's key, its seq and its leaf hash, packed (72 bytes an
/// entry, no object per entry).
struct ContractIndexBatch {
    private(set) var keys: [IndexHash] = []
    private(set) var seqs: [UInt64] = []
    private(set) var leaves: [IndexHash] = []

    var count: Int { seqs.count }

    mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n); seqs.reserveCapacity(n); leaves.reserveCapacity(n)
    }

    mutating func add(key: IndexHash, seq: UInt64, leaf: IndexHash) {
        keys.append(key); seqs.append(seq); leaves.append(leaf)
    }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true); seqs.removeAll(keepingCapacity: true); leaves.removeAll(keepingCapacity: true)
    }

    /// key(c) of the contract in a chain line, from the raw (JSON-escaped)
    /// bytes of its `"contract"` string; nil for a record without one. The
    /// key is over the string's UTF-8 bytes: a value without a backslash is
    /// those bytes already (RFC 8785 escapes nothing else).
    static func contractKey(line: UnsafeRawBufferPointer) -> IndexHash? {
        guard let raw = ChainScan.rawString(after: ChainScan.contractKey, in: line) else { return nil }
        var out = IndexHash()
        if !raw.contains(0x5c) {
            withUnsafeTemporaryAllocation(byteCount: raw.count + 1, alignment: 1) { buffer in
                buffer[0] = ContractIndex.keyPrefix
                if raw.count > 0 { (buffer.baseAddress! + 1).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                withUnsafeMutableBytes(of: &out) { OneShotSHA256.hash(UnsafeRawBufferPointer(buffer), into: $0.baseAddress!) }
            }
            return out
        }
        var quoted: [UInt8] = [0x22]
        quoted += raw
        quoted.append(0x22)
        guard let value = try? JSON.parse(quoted).stringValue else { return nil }
        return IndexHash(ContractIndex.key(value))
    }
}

extension ContractIndexStore {
    /// Applies `batch` (entries of seqs ≥ the old size, in seq order) to the
    /// version `old` (nil: the empty tree) and writes the new nodes past the
    /// end in one write and the roots record of `newSize`; not synced (the
    /// caller syncs, where its commit protocol says). Returns the new root.
    func apply(_ batch: ContractIndexBatch, to old: Root?, newSize: UInt64) throws -> Root {
        let nodesEnd = try nodes.size() / UInt64(ContractIndexStore.recordSize)
        let map = try mapped(records: nodesEnd)
        var update = ContractIndexUpdate(map: map, firstRef: nodesEnd)
        let root = try update.run(batch, old: old ?? Root(size: 0, ref: 0, hash: .zero), newSize: newSize)
        if !update.output.isEmpty {
            try nodes.write(update.output, at: nodesEnd * UInt64(ContractIndexStore.recordSize))
        }
        try roots.write(ContractIndexStore.encode(root), at: try rootCount() * UInt64(ContractIndexStore.rootRecordSize))
        return root
    }

    func sync() throws {
        try nodes.sync()
        try roots.sync()
    }
}

/// One batch's copy-on-write update of the tree.
struct ContractIndexUpdate {
    let map: MappedNodes
    /// The record number the first new node gets.
    let firstRef: UInt64
    /// The new records, in order.
    var output: [UInt8] = []

    /// The batch's contracts in key order, each with its value after the batch.
    private var values: [IndexValue] = []

    init(map: MappedNodes, firstRef: UInt64) {
        self.map = map
        self.firstRef = firstRef
    }

    mutating func run(_ batch: ContractIndexBatch, old: ContractIndexStore.Root, newSize: UInt64) throws -> ContractIndexStore.Root {
        guard batch.count > 0 else { return ContractIndexStore.Root(size: newSize, ref: old.ref, hash: old.hash) }
        // Entries grouped by contract, seq order kept inside a group (the
        // sort is stable on the entry's position).
        let keys = batch.keys
        let order = ContractIndexUpdate.groupedOrder(keys)
        var groups: [Range<Int>] = []
        var start = 0
        for i in 1 ... order.count where i == order.count || keys[order[i]] != keys[order[start]] {
            groups.append(start ..< i)
            start = i
        }
        // The old values, then each contract's chain carried on over its new
        // entries: one hash an entry, contracts spread over the cores.
        var olds: [IndexValue?] = []
        olds.reserveCapacity(groups.count)
        for g in groups { olds.append(try lookup(keys[order[g.lowerBound]], in: old)) }
        let chunkSize = max(1024, groups.count / (ParallelMap.defaultWorkers * 4) + 1)
        let chunks = stride(from: 0, to: groups.count, by: chunkSize).map { $0 ..< min($0 + chunkSize, groups.count) }
        let work = { (chunk: Range<Int>) -> [IndexValue] in
            chunk.map { gi in
                let g = groups[gi]
                let key = keys[order[g.lowerBound]]
                var value = olds[gi] ?? IndexValue(key: key, count: 0, last: 0, chain: .zero)
                batch.leaves.withUnsafeBufferPointer { leaves in
                    for i in g {
                        let e = order[i]
                        withUnsafePointer(to: leaves[e]) { value.chain = value.chain.chainStep(UnsafeRawPointer($0)) }
                    }
                }
                value.count += UInt64(g.count)
                value.last = batch.seqs[order[g.upperBound - 1]]
                return value
            }
        }
        values = chunks.count == 1 ? work(chunks[0])
            : ParallelMap.map(chunks, state: { () }) { _, chunk in work(chunk) }.flatMap { $0 }
        output.reserveCapacity(values.count * 3 * ContractIndexStore.recordSize)
        let (ref, hash) = try update(old.ref, old.hash, depth: 0, 0 ..< values.count)
        return ContractIndexStore.Root(size: newSize, ref: ref, hash: hash)
    }

    /// Entry positions ordered by key, in entry order within a key. Sorted
    /// on (first 8 key bytes, position), which compares two words; keys
    /// that share their first 8 bytes (2^-64 for two contracts) are then
    /// put in full key order, so that each key's entries are contiguous.
    static func groupedOrder(_ keys: [IndexHash]) -> [Int] {
        var pairs = keys.enumerated().map { (prefix: UInt64(bigEndian: $0.element.w0), position: $0.offset) }
        pairs.sort { $0.prefix != $1.prefix ? $0.prefix < $1.prefix : $0.position < $1.position }
        var order = pairs.map(\.position)
        var start = 0
        while start < order.count {
            var end = start + 1
            var mixed = false
            while end < order.count && pairs[end].prefix == pairs[start].prefix {
                if keys[order[end]] != keys[order[start]] { mixed = true }
                end += 1
            }
            if mixed {
                order[start ..< end].sort { a, b in keys[a] == keys[b] ? a < b : keys[a] < keys[b] }
            }
            start = end
        }
        return order
    }

    /// The value the old tree holds for `key`.
    private func lookup(_ key: IndexHash, in root: ContractIndexStore.Root) throws -> IndexValue? {
        var ref = root.ref, depth = 0
        while true {
            switch try map.node(ref) {
            case .empty: return nil
            case .leaf(let v): return v.key == key ? v : nil
            case .inner(_, _, let l, let r):
                guard depth < 256 else { throw EvidenceError.failure("contract index path deeper than 256 (corrupt node file)", at: map.path) }
                ref = key.bit(depth) == 0 ? l : r
                depth += 1
            }
        }
    }

    /// The first index in `range` whose key has bit `depth` set (keys sorted).
    private func split(_ range: Range<Int>, depth: Int) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid].key.bit(depth) == 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The subtree at `ref` (hash `hash`) at `depth` with the new values
    /// `range` put in (replacing their old leaves).
    private mutating func update(_ ref: UInt64, _ hash: IndexHash, depth: Int, _ range: Range<Int>) throws -> (UInt64, IndexHash) {
        if range.isEmpty { return (ref, hash) }
        switch try map.node(ref) {
        case .empty:
            return build(range, depth: depth, kept: nil)
        case .leaf(let v):
            // Its contract is in the batch (its new value supersedes it) or it stays, beside the new ones.
            let i = lowerBound(v.key, range)
            let replaced = i < range.upperBound && values[i].key == v.key
            return build(range, depth: depth, kept: replaced ? nil : (ref, hash, v.key))
        case .inner(let lh, let rh, let l, let r):
            guard depth < 256 else { throw EvidenceError.failure("contract index path deeper than 256 (corrupt node file)", at: map.path) }
            let mid = split(range, depth: depth)
            let (nl, nlh) = try update(l, lh, depth: depth + 1, range.lowerBound ..< mid)
            let (nr, nrh) = try update(r, rh, depth: depth + 1, mid ..< range.upperBound)
            return writeInner(nlh, nrh, nl, nr)
        }
    }

    private func lowerBound(_ key: IndexHash, _ range: Range<Int>) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid].key < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// A new subtree of the values `range` and maybe one old leaf kept as it is.
    private mutating func build(_ range: Range<Int>, depth: Int, kept: (ref: UInt64, hash: IndexHash, key: IndexHash)?) -> (UInt64, IndexHash) {
        let total = range.count + (kept == nil ? 0 : 1)
        if total == 0 { return (0, .zero) }
        if total == 1 {
            if let kept { return (kept.ref, kept.hash) }
            return writeLeaf(values[range.lowerBound])
        }
        let mid = split(range, depth: depth)
        let keptBit = kept?.key.bit(depth)
        let (l, lh) = build(range.lowerBound ..< mid, depth: depth + 1, kept: keptBit == 0 ? kept : nil)
        let (r, rh) = build(mid ..< range.upperBound, depth: depth + 1, kept: keptBit == 1 ? kept : nil)
        return writeInner(lh, rh, l, r)
    }

    private mutating func nextRef() -> UInt64 {
        firstRef + UInt64(output.count / ContractIndexStore.recordSize)
    }

    private mutating func writeLeaf(_ v: IndexValue) -> (UInt64, IndexHash) {
        let ref = nextRef()
        output.append(ContractIndexStore.leafTag)
        withUnsafeBytes(of: v.key) { output += $0 }
        output.appendBigEndian(v.count)
        output.appendBigEndian(v.last)
        withUnsafeBytes(of: v.chain) { output += $0 }
        return (ref, v.hash)
    }

    private mutating func writeInner(_ lh: IndexHash, _ rh: IndexHash, _ l: UInt64, _ r: UInt64) -> (UInt64, IndexHash) {
        let ref = nextRef()
        output.append(ContractIndexStore.innerTag)
        withUnsafeBytes(of: lh) { output += $0 }
        withUnsafeBytes(of: rh) { output += $0 }
        output.appendBigEndian(l)
        output.appendBigEndian(r)
        return (ref, IndexHash.inner(lh, rh))
    }
}
