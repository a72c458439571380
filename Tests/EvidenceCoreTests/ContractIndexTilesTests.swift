import Testing
@testable import EvidenceSupport
@testable import EvidenceLog
@testable import EvidenceCore

/// `ContractIndexTiles` (EvidenceCore/Chain/ContractIndexTiles.swift) and
/// `TileLog.contractIndexProof` (Verification/TileIndexProof.swift): the
/// index files of a tiles export give, for any contract, a proof that
/// verifies against the index root (INDEX-SPEC §2) with the contract's
/// value or its absence, and edited files never give another value.
@Suite struct ContractIndexTilesTests {
    /// `n` contracts, their leaves, and the index files they make.
    static func published(_ n: Int) throws -> (contracts: [String], leaves: [ContractIndexLeaf], files: [String: [UInt8]], root: Hash) {
        let contracts = (0..<n).map { "C2025-\($0)" }
        let leaves = contracts.enumerated().map { i, c in
            ContractIndexLeaf(key: ContractIndex.key(c), count: UInt64(i % 7 + 1), last: UInt64(i * 3),
                              chain: ContractIndex.chainStep(ContractIndex.emptyChain, leaf: Merkle.leafHash(Array(c.utf8))))
        }
        var files: [String: [UInt8]] = [:]
        let root = try ContractIndexTiles.build(leaves.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }) { files[$0] = $1 }
        return (contracts, leaves, files, root)
    }

    static func reader(_ files: [String: [UInt8]]) -> TileLog {
        TileLog(treeSize: 0) { files[$0] }
    }

    /// Sizes from empty through lone leaves at the top (the compact rule)
    /// to thousands, where many keys share their first 16 bits.
    @Test(arguments: [0, 1, 2, 3, 40, 3000])
    func proofsFromTheFilesVerifyForEveryContractAndForAbsentOnes(n: Int) throws {
        let (contracts, leaves, files, root) = try Self.published(n)
        #expect(root == ContractIndex.root(of: leaves))
        #expect(files[ContractIndexTiles.topPath]?.count == 256 * 33)
        for (c, leaf) in zip(contracts, leaves) {
            let proof = try Self.reader(files).contractIndexProof(c)
            #expect(try proof.verify(root: root) == leaf)
            #expect(proof.siblings.count <= 40)
        }
        for i in 0..<50 {
            let absent = "X-\(i)"
            #expect(try Self.reader(files).contractIndexProof(absent).verify(root: root) == nil)
        }
    }

    @Test func leavesOutOfKeyOrderAreRefused() throws {
        let (_, leaves, _, _) = try Self.published(40)
        #expect(throws: EvidenceError.self) { try ContractIndexTiles.build(leaves) { _, _ in } }
        let sorted = leaves.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }
        #expect(throws: EvidenceError.self) { try ContractIndexTiles.build(sorted + [sorted[3]]) { _, _ in } }
    }

    @Test func aShardHoldsOnlyItsPrefixAndTheLayoutIsAsDocumented() throws {
        let (_, leaves, files, _) = try Self.published(3000)
        let leaf = leaves[17]
        let path = ContractIndexTiles.shardPath(leaf.key[0], leaf.key[1])
        #expect(path == "contract-index/\(Hex.encode(leaf.key.prefix(1)))/\(Hex.encode(leaf.key.dropFirst().prefix(1)))")
        let shard = try ContractIndexTiles.leaves(try #require(files[path]), xx: leaf.key[0], yy: leaf.key[1], path: path)
        #expect(shard.contains(leaf))
        // Another prefix's file refuses them.
        #expect(throws: EvidenceError.self) {
            try ContractIndexTiles.leaves(files[path]!, xx: leaf.key[0], yy: leaf.key[1] ^ 1, path: path)
        }
    }

    /// Every byte of the three files a contract's proof reads, flipped in
    /// turn (and each file cut short or dropped): the reader throws, the
    /// proof does not verify, or it still gives the true value — never another.
    @Test(arguments: [1, 3, 3000])
    func editedIndexFilesNeverProveAnotherValue(n: Int) throws {
        let (contracts, leaves, files, root) = try Self.published(n)
        let target = contracts[n / 2], truth = leaves[n / 2]
        let absent = "X-absent"
        for contract in [target, absent] {
            let expected: ContractIndexLeaf? = contract == target ? truth : nil
            var wrong = 0, tried = 0
            func check(_ edited: [String: [UInt8]]) {
                tried += 1
                guard let proof = try? Self.reader(edited).contractIndexProof(contract),
                      let value = try? proof.verify(root: root) else { return }
                if value != expected { wrong += 1 }
            }
            for path in TileLog.contractIndexPaths(contract) {
                guard let bytes = files[path] else { continue }
                for i in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
                    var edited = files
                    edited[path]![i] ^= 0x01
                    check(edited)
                }
                var cut = files
                cut[path] = Array(bytes.dropLast(33))
                check(cut)
                var dropped = files
                dropped[path] = nil
                check(dropped)
            }
            #expect(tried > 0)
            #expect(wrong == 0, "\(wrong) of \(tried) edits gave another value for \(contract)")
        }
    }

    /// Index files of another index (an older export): the proof they give
    /// does not verify against the newer root.
    @Test func staleFilesDoNotVerifyAgainstTheNewRoot() throws {
        let (contracts, _, old, _) = try Self.published(300)
        let (_, _, _, newRoot) = try Self.published(301)
        for c in contracts.prefix(20) {
            let proof = try Self.reader(old).contractIndexProof(c)
            #expect(throws: EvidenceError.self) { try proof.verify(root: newRoot) }
        }
    }
}
