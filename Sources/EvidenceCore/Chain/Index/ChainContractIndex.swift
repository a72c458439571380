import EvidenceLog
import EvidenceSupport

/// The chain's contract index, read (INDEX-SPEC §4): its root, proofs and
/// leaves at any committed batch boundary. Readers take no lock: they look
/// only at versions of sizes the chain has committed, whose nodes and roots
/// record were durable before the commit.
extension ChainStore {
    public static func contractIndexPath(_ path: String) -> String { ContractIndexStore.nodesPath(path) }
    public static func contractIndexRootsPath(_ path: String) -> String { ContractIndexStore.rootsPath(path) }

    /// Whether the chain keeps a contract index (older chains do not until
    /// their next append or `audit --repair`).
    public var hasContractIndex: Bool {
        DurableFile.exists(ChainStore.contractIndexPath(path)) && DurableFile.exists(ChainStore.contractIndexRootsPath(path))
    }

    func contractIndexStore() throws -> ContractIndexStore? {
        try ContractIndexStore(chain: path, writable: false)
    }

    /// The committed version at `size`, or a failure saying why there is none.
    func contractIndexVersion(size: UInt64) throws -> (ContractIndexStore, ContractIndexStore.Root) {
        let committed = try self.size()
        guard size <= committed else {
            throw EvidenceError.failure("no contract index at size \(size): the chain has committed \(committed) entries", at: path)
        }
        guard let store = try contractIndexStore() else {
            throw EvidenceError.failure("the chain has no contract index (an older chain: the next append or 'evchain audit --repair' builds one)", at: path)
        }
        guard let root = try store.root(size: size) else {
            throw EvidenceError.failure("no contract index at size \(size) (not a batch boundary, or before the index was built)", at: path)
        }
        return (store, root)
    }

    /// The index root at tree size `size`; nil when the chain has no index
    /// at that size (an older chain, or a size that is not a committed
    /// batch boundary since the index was built).
    public func contractIndexRoot(size: UInt64) throws -> Hash? {
        guard size <= (try self.size()), let store = try contractIndexStore(), let root = try store.root(size: size) else { return nil }
        return root.hash.hash
    }

    /// The canonical (shortest) proof of what the index holds for
    /// `contract` at `size`: membership with its value, or absence.
    public func contractIndexProof(contract: String, size: UInt64) throws -> ContractIndexProof {
        let (store, root) = try contractIndexVersion(size: size)
        return try store.proof(contract: contract, root: root)
    }

    /// Every leaf of the index at `size`, in key order, read as iterated.
    /// A damaged node file ends the iteration early and sets `failure`:
    /// check it after iterating.
    public func contractIndexLeaves(size: UInt64) throws -> ContractIndexLeaves {
        let (store, root) = try contractIndexVersion(size: size)
        return ContractIndexLeaves(map: try store.mapped(records: root.nodesEnd), root: root.ref)
    }
}

/// The leaves of one version of the index, in key order (a depth-first walk,
/// 0-side first), streamed from the mapped node file.
public final class ContractIndexLeaves: Sequence {
    let map: MappedNodes
    let root: UInt64
    /// Why the walk stopped early (a damaged node file); nil when it did not.
    public private(set) var failure: EvidenceError?

    init(map: MappedNodes, root: UInt64) {
        self.map = map
        self.root = root
    }

    public struct Iterator: IteratorProtocol {
        let owner: ContractIndexLeaves
        var stack: [UInt64]

        public mutating func next() -> ContractIndexLeaf? {
            while let ref = stack.popLast() {
                do {
                    switch try owner.map.node(ref) {
                    case .empty: continue
                    case .leaf(let v): return v.leaf
                    case .inner(_, _, let l, let r):
                        stack.append(r)
                        stack.append(l)
                        if stack.count > 512 { throw EvidenceError.failure("contract index deeper than 256 (corrupt node file)", at: owner.map.path) }
                    }
                } catch {
                    owner.failure = error as? EvidenceError ?? EvidenceError.io("\(error)")
                    stack.removeAll()
                    return nil
                }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(owner: self, stack: [root]) }
}
