import EvidenceLog
import EvidenceSupport

/// The contract index checked against the entries (for `evchain audit`).
/// Every stored version is walked once (versions share their unchanged
/// nodes): each node's hash must be what its parent and roots record say,
/// each leaf must sit on its key's path; the last version's leaves must be
/// exactly the values the entries reproduce, and it must be at the
/// committed size.
extension ContractIndexStore {
    /// What is wrong, said for people; nil when the index is sound.
    func finding(expected: [IndexValue], committed: UInt64) throws -> String? {
        let count = try rootCount()
        if try roots.size() % UInt64(ContractIndexStore.rootRecordSize) != 0 {
            return "\(roots.path) ends in a partial record (torn tail)"
        }
        guard count > 0 else { return "\(roots.path) has no version" }
        var previous: UInt64? = nil
        var last: Root? = nil
        for i in 0 ..< count {
            let r = try root(at: i)
            if let previous, r.size <= previous { return "\(roots.path): record \(i) has size \(r.size), not after \(previous)" }
            previous = r.size
            if r.size > committed {
                return "torn contract index tail: \(roots.path) has a version at size \(r.size), past the \(committed) committed entries"
            }
            last = r
        }
        let end = try nodes.size() / UInt64(ContractIndexStore.recordSize)
        if try nodes.size() > last!.nodesEnd * UInt64(ContractIndexStore.recordSize) {
            return "torn contract index tail: \(nodes.path) has nodes past its last version"
        }
        let map = try mapped(records: min(end, last!.nodesEnd))
        var checked = [Bool](repeating: false, count: Int(map.records))
        for i in 0 ..< count {
            let r = try root(at: i)
            if let problem = try check(r.ref, r.hash, depth: 0, path: .zero, map: map, checked: &checked) {
                return "the contract index version at size \(r.size) in \(nodes.path) is damaged: \(problem)"
            }
        }
        guard last!.size == committed else {
            return "the contract index covers \(last!.size) of the \(committed) committed entries (entries left out of it)"
        }
        var i = 0
        for leaf in ContractIndexLeaves(map: map, root: last!.ref) {
            guard i < expected.count else { return "the contract index holds a contract no entry has (key \(leaf.key.hex))" }
            let want = expected[i]
            if IndexHash(leaf.key) != want.key {
                return IndexHash(leaf.key) < want.key
                    ? "the contract index holds a contract no entry has (key \(leaf.key.hex))"
                    : "the contract index leaves out a contract the entries have (key \(want.key.hash.hex))"
            }
            if leaf.count != want.count || leaf.last != want.last || IndexHash(leaf.chain) != want.chain {
                return "the contract index's value for key \(leaf.key.hex) (count \(leaf.count), last \(leaf.last)) "
                    + "is not what the entries give (count \(want.count), last \(want.last))"
            }
            i += 1
        }
        if i < expected.count { return "the contract index leaves out a contract the entries have (key \(expected[i].key.hash.hex))" }
        guard last!.hash == IndexValue.root(sorted: expected) else { return "the root of the last version is not the entries'" }
        return nil
    }

    /// Checks the subtree at `ref` against `hash`, once per node.
    private func check(_ ref: UInt64, _ hash: IndexHash, depth: Int, path: IndexHash, map: MappedNodes,
                       checked: inout [Bool]) throws -> String? {
        if ref == 0 { return hash == .zero ? nil : "an empty subtree with a non-zero hash" }
        guard ref < map.records else { return "node \(ref) is past the end" }
        let node = try map.node(ref)
        switch node {
        case .empty: return nil
        case .leaf(let v):
            guard v.hash == hash else { return "leaf node \(ref) does not hash to what its parent or roots record holds" }
            for i in 0 ..< depth where v.key.bit(i) != path.bit(i) { return "leaf node \(ref) is off its key's path" }
            guard v.count > 0 else { return "leaf node \(ref) has count 0" }
        case .inner(let lh, let rh, let l, let r):
            guard IndexHash.inner(lh, rh) == hash else { return "inner node \(ref) does not hash to what its parent or roots record holds" }
            guard depth < 256 else { return "a path deeper than 256" }
            if checked[Int(ref)] { return nil }
            var right = path
            right.setBit(depth)
            if let p = try check(l, lh, depth: depth + 1, path: path, map: map, checked: &checked) { return p }
            if let p = try check(r, rh, depth: depth + 1, path: right, map: map, checked: &checked) { return p }
        }
        checked[Int(ref)] = true
        return nil
    }
}

extension IndexHash {
    mutating func setBit(_ i: Int) {
        let mask = UInt64(1) << UInt64(63 - (i & 63))
        switch i >> 6 {
        case 0: w0 = (UInt64(bigEndian: w0) | mask).bigEndian
        case 1: w1 = (UInt64(bigEndian: w1) | mask).bigEndian
        case 2: w2 = (UInt64(bigEndian: w2) | mask).bigEndian
        default: w3 = (UInt64(bigEndian: w3) | mask).bigEndian
        }
    }
}
