import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// `IndexWitnessCheck` (EvidenceLog/Witnessing/IndexWitnessCheck.swift): a
/// witness recomputes the contract index root from the old one, index
/// proofs and the new entries. Checked against `ContractIndex.root(of:)` on
/// random batches, and against a dishonest bank's edits, each refused.
@Suite struct IndexWitnessCheckTests {
    /// A small in-memory log with its index, the reference for the check: the
    /// leaves, each contract's value, and proofs straight from the definition.
    struct Model {
        var leaves: [Hash] = []
        var values: [Hash: ContractIndexLeaf] = [:]
        var contracts: [Hash: String] = [:]

        var indexRoot: Hash { ContractIndex.root(of: Array(values.values)) }
        func logRoot(_ size: Int) -> Hash { Merkle.treeHash(leafHashes: leaves[..<size]) }

        func frontier(_ size: UInt64) -> [Hash] {
            var f = MerkleFrontier()
            for leaf in leaves[..<Int(size)] { _ = f.append(leafHash: leaf) }
            return f.hashes
        }

        mutating func append(_ leaf: Hash, contract: String?) {
            let seq = UInt64(leaves.count)
            leaves.append(leaf)
            guard let contract else { return }
            let key = ContractIndex.key(contract)
            contracts[key] = contract
            var v = values[key] ?? ContractIndexLeaf(key: key, count: 0, last: 0, chain: ContractIndex.emptyChain)
            v.count += 1; v.last = seq; v.chain = ContractIndex.chainStep(v.chain, leaf: leaf)
            values[key] = v
        }

        /// The hash of the subtree at `depth` holding `set` (INDEX-SPEC §1).
        static func subtreeHash(_ set: [ContractIndexLeaf], depth: Int) -> Hash {
            switch set.count {
            case 0: return ContractIndex.emptyRoot
            case 1: return ContractIndex.leafHash(set[0])
            default:
                return ContractIndex.innerHash(subtreeHash(set.filter { ContractIndex.bit($0.key, depth) == 0 }, depth: depth + 1),
                                               subtreeHash(set.filter { ContractIndex.bit($0.key, depth) == 1 }, depth: depth + 1))
            }
        }

        /// The canonical (shortest) proof of `contract`, by the definition.
        func proof(_ contract: String) -> ContractIndexProof {
            let key = ContractIndex.key(contract)
            var set = Array(values.values)
            var siblings: [Hash] = []
            var depth = 0
            while set.count > 1 {
                let on = set.filter { ContractIndex.bit($0.key, depth) == ContractIndex.bit(key, depth) }
                let off = set.filter { ContractIndex.bit($0.key, depth) != ContractIndex.bit(key, depth) }
                siblings.append(Self.subtreeHash(off, depth: depth + 1))
                set = on
                depth += 1
            }
            return ContractIndexProof(contract: contract, siblings: siblings, terminal: set.first)
        }
    }

    static func leaf(_ i: Int, salt: UInt8 = 0) -> Hash {
        Merkle.leafHash(Array("entry \(i)".utf8) + [salt])
    }

    /// Runs the witness's check of the batch [old.leaves.count, new.leaves.count).
    static func check(old: Model, new: Model, batch: [(Hash, String?)], proofs: [ContractIndexProof]? = nil,
                      indexRoot: Hash? = nil, frontier: [Hash]? = nil) throws {
        let m = UInt64(old.leaves.count)
        var check = try IndexWitnessCheck(oldSize: m, oldRoot: old.logRoot(Int(m)), oldIndexRoot: old.indexRoot,
                                          frontier: frontier ?? old.frontier(m))
        let touched = Set(batch.compactMap { $0.1 })
        for proof in proofs ?? touched.sorted().map({ old.proof($0) }) { try check.addProof(proof) }
        for (leaf, contract) in batch { try check.append(leaf: leaf, contract: contract) }
        try check.finish(size: UInt64(new.leaves.count), root: new.logRoot(new.leaves.count), indexRoot: indexRoot ?? new.indexRoot)
    }

    /// Random batches over a pool of contracts (new ones inserted, lone
    /// leaves split, some entries without a contract): the recomputed root
    /// is always `ContractIndex.root(of:)` of the reference values.
    @Test func randomBatchesReproduceTheReferenceRoot() throws {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<20 {
            var model = Model()
            let pool = (0..<Int.random(in: 1...60, using: &rng)).map { "C\(round)-\($0)" }
            var i = 0
            for _ in 0..<4 {
                let old = model
                var batch: [(Hash, String?)] = []
                for _ in 0..<Int.random(in: 0...40, using: &rng) {
                    let contract = Int.random(in: 0..<8, using: &rng) == 0 ? nil : pool.randomElement(using: &rng)!
                    batch.append((Self.leaf(i), contract))
                    model.append(Self.leaf(i), contract: contract)
                    i += 1
                }
                try Self.check(old: old, new: model, batch: batch)
            }
        }
    }

    /// One fixed log: 3 contracts, then a batch touching two of them and a new one.
    func twoBatches() -> (old: Model, new: Model, batch: [(Hash, String?)]) {
        var old = Model()
        for (i, c) in ["C1", "C2", "C1", nil, "C3"].enumerated() { old.append(Self.leaf(i), contract: c) }
        var new = old
        var batch: [(Hash, String?)] = []
        for (i, c) in [(5, "C1"), (6, "C4"), (7, nil), (8, "C2")] as [(Int, String?)] {
            batch.append((Self.leaf(i), c))
            new.append(Self.leaf(i), contract: c)
        }
        return (old, new, batch)
    }

    @Test func anHonestBatchPasses() throws {
        let (old, new, batch) = twoBatches()
        try Self.check(old: old, new: new, batch: batch)
    }

    /// The bank appends an entry and leaves it out of the index: the index
    /// root it signs is that of the batch without the entry.
    @Test func anEntryLeftOutOfTheIndexIsRefused() throws {
        let (old, new, batch) = twoBatches()
        var without = old
        for (leaf, c) in batch.dropLast() { without.append(leaf, contract: c) }
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, indexRoot: without.indexRoot) }
    }

    @Test func anIndexThatDropsAContractIsRefused() throws {
        let (old, new, batch) = twoBatches()
        var dropped = new
        dropped.values[ContractIndex.key("C3")] = nil
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, indexRoot: dropped.indexRoot) }
    }

    @Test func anAlteredChainHashIsRefused() throws {
        let (old, new, batch) = twoBatches()
        // In the new root the bank signs…
        var altered = new
        altered.values[ContractIndex.key("C1")]!.chain = Self.leaf(99)
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, indexRoot: altered.indexRoot) }
        // …or in the old value a proof shows.
        var proof = old.proof("C1")
        proof.terminal!.chain = Self.leaf(99)
        let others = ["C2", "C4"].map { old.proof($0) }
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, proofs: [proof] + others) }
    }

    /// Entries that are not the log's (one changed, one withheld) do not
    /// fold to the checkpoint's root.
    @Test func entriesThatAreNotTheLogsAreRefused() throws {
        let (old, new, batch) = twoBatches()
        var changed = batch
        changed[1].0 = Self.leaf(6, salt: 1)
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: changed) }
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: Array(batch.dropLast())) }
        var retagged = batch
        retagged[0].1 = "C2"
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: retagged, proofs: ["C1", "C2", "C4"].map { old.proof($0) }) }
    }

    @Test func aTouchedContractWithoutAProofIsRefused() throws {
        let (old, new, batch) = twoBatches()
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, proofs: ["C1", "C2"].map { old.proof($0) }) }
    }

    @Test func aFrontierThatDoesNotFoldToTheOldRootIsRefused() throws {
        let (old, new, batch) = twoBatches()
        var frontier = old.frontier(5)
        frontier[0] = Self.leaf(42)
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, frontier: frontier) }
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, frontier: Array(frontier.dropLast())) }
    }

    /// A proof against another root (an index the bank rebuilt without a
    /// contract) does not verify against the root the witness holds.
    @Test func aProofAgainstAnotherOldRootIsRefused() throws {
        let (old, new, batch) = twoBatches()
        var rebuilt = old
        rebuilt.values[ContractIndex.key("C3")] = nil
        let proofs = ["C1", "C2", "C4"].map { rebuilt.proof($0) }
        #expect(throws: EvidenceError.self) { try Self.check(old: old, new: new, batch: batch, proofs: proofs) }
    }

    /// Replaying from size 0 must pass through the root already cosigned.
    @Test func aReplayMustPassThroughTheRootAlreadyCosigned() throws {
        let (old, new, batch) = twoBatches()
        var replay = try IndexWitnessCheck(oldSize: 0, oldRoot: Merkle.emptyRoot, oldIndexRoot: ContractIndex.emptyRoot, frontier: [])
        replay.expectRoot(Self.leaf(77), atSize: 5)
        let contracts: [String?] = ["C1", "C2", "C1", nil, "C3"] + batch.map { $0.1 }
        for c in Set(contracts.compactMap { $0 }) { try replay.addProof(Model().proof(c)) }
        #expect(throws: EvidenceError.self) {
            for (leaf, c) in zip(new.leaves, contracts) { try replay.append(leaf: leaf, contract: c) }
        }
        var honest = try IndexWitnessCheck(oldSize: 0, oldRoot: Merkle.emptyRoot, oldIndexRoot: ContractIndex.emptyRoot, frontier: [])
        honest.expectRoot(old.logRoot(5), atSize: 5)
        for c in Set(contracts.compactMap { $0 }) { try honest.addProof(Model().proof(c)) }
        for (leaf, c) in zip(new.leaves, contracts) { try honest.append(leaf: leaf, contract: c) }
        try honest.finish(size: 9, root: new.logRoot(9), indexRoot: new.indexRoot)
        #expect(honest.passedThrough(size: 5, root: old.logRoot(5)))
    }
}
