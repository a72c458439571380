import EvidenceCrypto
import EvidenceSupport

/// What a witness that verifies the contract index checks of one batch of a
/// log (INDEX-SPEC §5), from the bank's material alone and the three values
/// it keeps per log (size, log root, index root, all of them verified):
///
/// 1. the old tree's frontier (its right-border perfect-subtree hashes)
///    folds to the old log root;
/// 2. each index proof verifies against the old index root; together they
///    form the pruned old index tree (every touched contract's path, shared
///    siblings expanded once, the rest of the tree kept as opaque hashes);
/// 3. the new entries' leaves, appended to the frontier in seq order, fold
///    to the checkpoint's log root (so they are exactly the log's entries);
/// 4. each entry that names a contract advances that contract's value
///    (count, last, chain: INDEX-SPEC §1); a new contract is inserted,
///    splitting a lone leaf where its path meets one; the new index root
///    is recomputed and must be the checkpoint's.
///
/// Memory is bounded by the batch (its contracts' paths and values), never by
/// the log: the entries themselves stream through `append` one by one. A
/// refusal is an `EvidenceError.failure` saying which check failed.
public struct IndexWitnessCheck {
    public let oldSize: UInt64
    public let oldRoot: Hash
    public let oldIndexRoot: Hash
    private var frontier: MerkleFrontier
    private let tree: PartialIndexTree
    /// Each proven contract's value so far, by key; count 0: absent.
    private var values: [Hash: ContractIndexLeaf] = [:]
    private var touched: Set<Hash> = []
    /// A log root the fold must pass through (a witness replaying its log from
    /// size 0 still checks the root it cosigned before).
    private var expected: (size: UInt64, root: Hash)?
    private let context = HashContext(.sha256)

    /// The size reached so far: `oldSize` plus the entries appended.
    public var size: UInt64 { frontier.size }

    /// Check 1: `frontier` (largest subtree first) must fold to `oldRoot`.
    public init(oldSize: UInt64, oldRoot: Hash, oldIndexRoot: Hash, frontier hashes: [Hash]) throws {
        let frontier: MerkleFrontier
        do {
            frontier = try MerkleFrontier(size: oldSize, hashes: hashes)
        } catch let e as EvidenceError {
            throw EvidenceError.failure("refused: the frontier of size \(oldSize): \(e.message)")
        }
        guard frontier.root(context: context) == oldRoot else {
            throw EvidenceError.failure("refused: the frontier does not fold to the log root of size \(oldSize) this witness holds")
        }
        self.oldSize = oldSize
        self.oldRoot = oldRoot
        self.oldIndexRoot = oldIndexRoot
        self.frontier = frontier
        tree = PartialIndexTree(root: oldIndexRoot)
    }

    /// Also require the log root `root` when the fold reaches `size`
    /// (`oldSize` < size); checked by `append`, and by `finish` when never reached.
    public mutating func expectRoot(_ root: Hash, atSize size: UInt64) {
        expected = (size, root)
    }

    /// Whether the fold is required to pass through `root` at `size`
    /// (`expectRoot`); `append` refuses when it does not.
    public func passedThrough(size: UInt64, root: Hash) -> Bool {
        expected.map { $0.size == size && $0.root == root } ?? false
    }

    /// Check 2 for one contract's proof against the old index root.
    public mutating func addProof(_ proof: ContractIndexProof) throws {
        let value: ContractIndexLeaf?
        do {
            value = try proof.verify(root: oldIndexRoot)
        } catch let e as EvidenceError {
            throw EvidenceError.failure("refused: the index proof of contract \"\(proof.contract)\" does not lead to the index root "
                                        + "this witness holds: \(e.message)")
        }
        let key = ContractIndex.key(proof.contract)
        try tree.insert(proof, key: key)
        if values[key] == nil {
            values[key] = value ?? ContractIndexLeaf(key: key, count: 0, last: 0, chain: ContractIndex.emptyChain)
        }
    }

    /// Check 3 and 4 for the next entry (seq `size`): its leaf hash and the
    /// exact bytes of its record's `"contract"` (nil: none).
    public mutating func append(leaf: Hash, contract: String?) throws {
        try append(leaf: leaf, contract: contract, key: contract.map(ContractIndex.key))
    }

    /// `append` with the contract's key computed by the caller (`key` must
    /// be `ContractIndex.key(contract)`: readers hash keys on every core).
    public mutating func append(leaf: Hash, contract: String?, key: Hash?) throws {
        let seq = frontier.size
        _ = frontier.append(leafHash: leaf, context: context)
        if let contract, let key {
            guard var value = values[key] else {
                throw EvidenceError.failure("refused: entry \(seq) is of contract \"\(contract)\", for which the material has no index proof")
            }
            value.count += 1
            value.last = seq
            value.chain = ContractIndex.chainStep(value.chain, leaf: leaf)
            values[key] = value
            touched.insert(key)
        }
        if let expected, expected.size == frontier.size {
            guard frontier.root(context: context) == expected.root else {
                throw EvidenceError.failure("refused: the entries do not fold to the log root of size \(expected.size) this witness cosigned (split view)")
            }
        }
    }

    /// The last checks: the entries reach `size` and fold to `root`, and the
    /// index updated by them has the root `indexRoot`.
    public func finish(size: UInt64, root: Hash, indexRoot: Hash) throws {
        guard frontier.size == size else {
            throw EvidenceError.failure("refused: the material's entries end at size \(frontier.size), the checkpoint's size is \(size)")
        }
        if let expected, expected.size > oldSize, expected.size > size {
            throw EvidenceError.failure("refused: checkpoint size \(size) is smaller than the \(expected.size) already cosigned (rollback)")
        }
        guard frontier.root(context: context) == root else {
            throw EvidenceError.failure("refused: the material's entries from size \(oldSize) do not fold to the checkpoint's root "
                                        + "(they are not the log's entries)")
        }
        for key in touched { try tree.put(values[key]!) }
        let recomputed = try tree.hash()
        guard recomputed == indexRoot else {
            throw EvidenceError.failure("refused: the checkpoint's contract index root does not follow from the index root of size "
                                        + "\(oldSize) and the \(size - oldSize) entries appended since (recomputed \(recomputed.base64))")
        }
    }
}

/// The pruned contract index tree a witness rebuilds from index proofs: the
/// nodes on the proven paths, every other subtree as its hash alone.
/// Reference type with mutable nodes: built, updated and hashed by one
/// `IndexWitnessCheck`, never shared across threads.
final class PartialIndexTree {
    final class Node {
        enum Kind {
            /// A subtree known only by its hash (never proven into).
            case opaque(Hash)
            case empty
            case leaf(ContractIndexLeaf)
            case inner(Node, Node)
        }
        var kind: Kind
        init(_ kind: Kind) { self.kind = kind }
    }

    let root: Node

    init(root: Hash) { self.root = Node(.opaque(root)) }

    /// Whether bit `depth` of a key is 1 (INDEX-SPEC §1's bit order).
    static func bit(_ key: Hash, _ depth: Int) -> Bool { ContractIndex.bit(key, depth) == 1 }

    static func disagreement(_ contract: String) -> EvidenceError {
        EvidenceError.failure("refused: the index proof of contract \"\(contract)\" disagrees with another proof of the material")
    }

    /// Expands the path of a proof already verified against the root. Two
    /// verified proofs cannot disagree (a leaf, an empty subtree and an inner
    /// node never share a hash, the domains being separate), so a
    /// disagreement is refused rather than resolved.
    func insert(_ proof: ContractIndexProof, key: Hash) throws {
        var node = root
        for (depth, sibling) in proof.siblings.enumerated() {
            let right = Self.bit(key, depth)
            switch node.kind {
            case .opaque:
                let on = Node(.opaque(ContractIndex.emptyRoot)), off = Node(.opaque(sibling))
                node.kind = right ? .inner(off, on) : .inner(on, off)
                node = on
            case .inner(let left, let rightChild):
                node = right ? rightChild : left
            case .empty, .leaf:
                throw Self.disagreement(proof.contract)
            }
        }
        switch node.kind {
        case .opaque:
            node.kind = proof.terminal.map { .leaf($0) } ?? .empty
        case .empty where proof.terminal == nil:
            break
        case .leaf(let leaf) where leaf == proof.terminal:
            break
        default:
            throw Self.disagreement(proof.contract)
        }
    }

    /// Sets a proven contract's value: replaces its leaf, fills an empty
    /// subtree, or splits the lone leaf of another key its path ends in.
    func put(_ leaf: ContractIndexLeaf) throws {
        var node = root
        var depth = 0
        while true {
            switch node.kind {
            case .inner(let left, let right):
                node = Self.bit(leaf.key, depth) ? right : left
                depth += 1
            case .empty:
                node.kind = .leaf(leaf)
                return
            case .leaf(let other) where other.key == leaf.key:
                node.kind = .leaf(leaf)
                return
            case .leaf(let other):
                // Both keys share the bits down to here; one inner node per
                // further shared bit (its other child empty), then the split.
                while depth < 256 && Self.bit(leaf.key, depth) == Self.bit(other.key, depth) {
                    let next = Node(.empty), empty = Node(.empty)
                    node.kind = Self.bit(leaf.key, depth) ? .inner(empty, next) : .inner(next, empty)
                    node = next
                    depth += 1
                }
                guard depth < 256 else { throw EvidenceError.failure("refused: two contracts with one index key") }
                let mine = Node(.leaf(leaf)), theirs = Node(.leaf(other))
                node.kind = Self.bit(leaf.key, depth) ? .inner(theirs, mine) : .inner(mine, theirs)
                return
            case .opaque:
                // Every touched contract was proven, which expanded its path.
                throw EvidenceError.failure("refused: no index proof reaches the place of a touched contract")
            }
        }
    }

    /// The root hash by INDEX-SPEC §1's rules; an inner node here always
    /// holds at least two leaves (the old tree's by the proofs, new ones by
    /// `put`'s splits), so it hashes as an inner node.
    func hash() throws -> Hash {
        func hash(_ node: Node) -> Hash {
            switch node.kind {
            case .opaque(let h): return h
            case .empty: return ContractIndex.emptyRoot
            case .leaf(let leaf): return ContractIndex.leafHash(leaf)
            case .inner(let left, let right): return ContractIndex.innerHash(hash(left), hash(right))
            }
        }
        return hash(root)
    }
}
