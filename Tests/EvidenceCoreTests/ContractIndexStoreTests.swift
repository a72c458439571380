import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// The contract index store (CHAIN.contracts, CHAIN.contracts.roots): after
/// random batches, every committed version's root is the reference root of
/// the values the entries so far reproduce, and every proof the store
/// gives verifies against it, for members and for absent contracts.
struct ContractIndexStoreTests {
    /// A deterministic generator, so that a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [1, 2, 3])
    func randomBatchesMatchTheReference(seed: UInt64) throws {
        let scratch = ScratchDirectory("contract-index-store")
        let chain = scratch.path + "/chain"
        var random = Generator(state: seed)
        let store = try ContractIndexStore.create(chain: chain)
        // Entries of every contract so far, in seq order.
        var entries: [String: [(seq: UInt64, leaf: Hash)]] = [:]
        var versions: [(size: UInt64, leaves: [ContractIndexLeaf])] = []
        var size: UInt64 = 0
        var old: ContractIndexStore.Root? = nil
        let contractsCount = [5, 60, 300][Int(seed) % 3]
        for _ in 0 ..< 12 {
            var batch = ContractIndexBatch()
            let n = Int.random(in: 1 ... 200, using: &random)
            for _ in 0 ..< n {
                let leaf = Merkle.leafHash(Array("entry \(size)".utf8))
                // Some entries carry no contract: they are not in the map.
                if Int.random(in: 0 ..< 10, using: &random) > 0 {
                    let contract = "C\(Int.random(in: 0 ..< contractsCount, using: &random))"
                    entries[contract, default: []].append((size, leaf))
                    batch.add(key: IndexHash(ContractIndex.key(contract)), seq: size, leaf: IndexHash(leaf))
                }
                size += 1
            }
            let root = try store.apply(batch, to: old, newSize: size)
            try store.sync()
            old = root
            versions.append((size, entries.map { ContractIndex.value(of: $0.key, leaves: $0.value)! }))
        }
        for (size, leaves) in versions {
            let expected = ContractIndex.root(of: leaves)
            let root = try #require(try store.root(size: size))
            #expect(root.hash.hash == expected, "root at \(size)")
            for leaf in leaves.prefix(40) {
                let contract = entries.keys.first { ContractIndex.key($0) == leaf.key }!
                let proof = try store.proof(contract: contract, root: root)
                #expect(try proof.verify(root: expected) == leaf)
            }
            for absent in ["C\(contractsCount)", "D1", "", "C-1"] {
                #expect(try store.proof(contract: absent, root: root).verify(root: expected) == nil)
            }
            let map = try store.mapped(records: root.nodesEnd)
            let walked = Array(ContractIndexLeaves(map: map, root: root.ref))
            #expect(walked == leaves.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) })
        }
        #expect(try store.root(size: 0) == nil)
        #expect(try store.root(size: size + 1) == nil)
    }

    @Test func tornTailIsRemovedToTheCommittedBatch() throws {
        let scratch = ScratchDirectory("contract-index-torn")
        let chain = scratch.path + "/chain"
        let store = try ContractIndexStore.create(chain: chain)
        var first = ContractIndexBatch()
        first.add(key: IndexHash(ContractIndex.key("A")), seq: 0, leaf: IndexHash(Merkle.leafHash([1])))
        let r1 = try store.apply(first, to: nil, newSize: 1)
        var second = ContractIndexBatch()
        second.add(key: IndexHash(ContractIndex.key("B")), seq: 1, leaf: IndexHash(Merkle.leafHash([2])))
        _ = try store.apply(second, to: r1, newSize: 2)
        let (removed, intact) = try store.removeTornTail(committed: 1)
        #expect(removed != nil)
        #expect(intact)
        #expect(try store.rootCount() == 1)
        #expect(try store.nodes.size() == r1.nodesEnd * UInt64(ContractIndexStore.recordSize))
        #expect(try store.removeTornTail(committed: 1).removed == nil)
        // Nothing committed at all: the index must be built again.
        #expect(try store.removeTornTail(committed: 0).intact == false)
    }

    /// Two keys sharing their first 8 bytes, entries interleaved: each key's
    /// entries still come out contiguous and in entry order.
    @Test func keysSharingAPrefixAreGroupedApart() {
        var a = IndexHash(), b = IndexHash(), c = IndexHash()
        a.w0 = 7; b.w0 = 7; c.w0 = 3
        a.w1 = UInt64(2).bigEndian; b.w1 = UInt64(1).bigEndian
        let keys = [a, b, a, c, b, a]
        let order = ContractIndexUpdate.groupedOrder(keys)
        #expect(order == [3, 1, 4, 0, 2, 5])
    }

    @Test func contractKeyFromALineIsTheKeyOfTheUnescapedString() {
        for contract in ["C2025-0001", "合同\"甲\"", "a\\b", "", "tab\there"] {
            var record = JSONObject()
            record.appendNew("contract", .string(contract))
            let line = Array(#"{"seq":0,"time":"t","record":"#.utf8) + JCS.canonical(.object(record)) + Array("}".utf8)
            let key = line.withUnsafeBytes { ContractIndexBatch.contractKey(line: $0) }
            #expect(key == IndexHash(ContractIndex.key(contract)), "\(contract)")
        }
        let none = Array(#"{"seq":0,"record":{"id":"x"}}"#.utf8).withUnsafeBytes { ContractIndexBatch.contractKey(line: $0) }
        #expect(none == nil)
    }
}

/// Through `ChainStore.append`: after random batches (contracts with
/// escapes and non-ASCII, records without a contract, records already
/// logged), the index root at every batch boundary is the reference root of
/// the values recomputed from the chain's entries, and every proof the
/// chain gives verifies against it, members and absent contracts alike.
@Test(arguments: [11, 12])
func appendKeepsTheIndexOfTheEntries(seed: UInt64) throws {
    let chain = try TempChain()
    var random = ContractIndexStoreTests.Generator(state: seed)
    let names = ["C1", "C2", "合同-甲", "q\"uote", "back\\slash", "e\u{301}", "\u{e9}"]
    var boundaries: [UInt64] = [0]
    var n = 0
    for _ in 0 ..< 6 {
        var lines: [String] = []
        for _ in 0 ..< Int.random(in: 1 ... 60, using: &random) {
            let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("doc \(n)".utf8)))
            let pick = Int.random(in: 0 ... names.count, using: &random)
            var record = JSONObject()
            record.appendNew("id", .string("r\(n)"))
            if pick < names.count { record.appendNew("contract", .string(names[pick])) }
            record.appendNew("stage", "esign")
            record.appendNew("alg", "sha256")
            record.appendNew("digest", .string(digest))
            lines.append(String(decoding: JCS.canonical(.object(record)), as: UTF8.self))
            n += 1
        }
        // A record logged before is not appended again.
        if n > 1 { lines.append(lines[0]) }
        boundaries.append(try chain.append(lines).treeSize)
    }
    let store = try ChainStore(path: chain.path, access: .read)
    for size in boundaries {
        // The values from the entries, by contract bytes.
        var entries: [(String, [(seq: UInt64, leaf: Hash)])] = []
        for seq in 0 ..< size {
            let entry = try store.entry(seq)
            guard let contract = try JSON.parse(entry.canonicalRecord)["contract"]?.stringValue else { continue }
            if let i = entries.firstIndex(where: { $0.0.sameBytes(as: contract) }) {
                entries[i].1.append((seq, entry.leaf))
            } else {
                entries.append((contract, [(seq, entry.leaf)]))
            }
        }
        let leaves = entries.map { ContractIndex.value(of: $0.0, leaves: $0.1)! }
        let root = ContractIndex.root(of: leaves)
        #expect(try store.contractIndexRoot(size: size) == root, "size \(size)")
        for (contract, list) in entries {
            #expect(try store.contractIndexProof(contract: contract, size: size).verify(root: root)
                    == ContractIndex.value(of: contract, leaves: list))
        }
        for absent in ["C3", "", "c1"] {
            #expect(try store.contractIndexProof(contract: absent, size: size).verify(root: root) == nil)
        }
        let stored = try store.contractIndexLeaves(size: size)
        #expect(Array(stored) == leaves.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) })
        #expect(stored.failure == nil)
    }
    // A size that is no batch boundary has no version.
    #expect(try store.contractIndexRoot(size: 1) == nil || boundaries.contains(1))
}
