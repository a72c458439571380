import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// `ContractCompleteness` in memory: a small log of three contracts, its
/// contract index built by the reference `ContractIndex.root(of:)` and
/// proofs made here by the spec's recursion (INDEX-SPEC §1–§2), then every
/// way a source could offer a contract's entries dishonestly.
@Suite struct ContractCompletenessTests {
    /// Contract of each entry, in seq order (nil: an entry with no contract).
    static let contracts: [String?] = ["A", "B", "A", nil, "C", "A", "B", "A"]

    struct Log {
        var entries: [ChainEntry] = []
        var leaves: [Hash] { entries.map(\.leaf) }
        var root: Hash { Merkle.treeHash(leafHashes: leaves[...]) }

        init(_ contracts: [String?]) {
            for (seq, c) in contracts.enumerated() {
                let contract = c.map { #","contract":"\#($0)""# } ?? ""
                let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("doc \(seq)".utf8)))
                let record = #"{"alg":"sha256","#
                    + (contract.isEmpty ? "" : String(contract.dropFirst()) + ",")
                    + #""digest":"\#(digest)","id":"\#(c ?? "none")/esign/d\#(seq).pdf","stage":"esign"}"#
                entries.append(ChainEntry(seq: UInt64(seq), time: "2026-11-25T10:00:0\(seq)Z", canonicalRecord: Array(record.utf8)))
            }
        }

        func candidate(_ seq: Int) -> ContractCompleteness.Candidate {
            .init(entry: entries[seq], path: Merkle.inclusionPath(seq, leafHashes: leaves[...]))
        }

        func seqs(of contract: String) -> [Int] {
            entries.indices.filter { ContractCompletenessTests.contracts[$0] == contract }
        }

        /// The index leaves: one per contract, from its entries in seq order.
        func indexLeaves() -> [ContractIndexLeaf] {
            Set(ContractCompletenessTests.contracts.compactMap { $0 }).map { c in
                ContractIndex.value(of: c, leaves: seqs(of: c).map { (seq: UInt64($0), leaf: leaves[$0]) })!
            }
        }

        func checkpoint(index: [ContractIndexLeaf]? = nil, line: Bool = true) -> Checkpoint {
            let indexRoot = ContractIndex.root(of: index ?? indexLeaves())
            return Checkpoint(origin: "unit.example/log", size: UInt64(entries.count), root: root,
                              extensions: line ? ["evidence/contract-index/v1 \(indexRoot.base64)"] : [])
        }
    }

    /// Bit `i` of a key, bit 0 the most significant bit of byte 0.
    static func bit(_ key: Hash, _ i: Int) -> Int { Int(key[i / 8] >> (7 - i % 8)) & 1 }

    /// The hash of the subtree of `leaves` at `depth` (§1's compact tree).
    static func subtree(_ leaves: [ContractIndexLeaf], depth: Int) -> Hash {
        if leaves.isEmpty { return ContractIndex.emptyRoot }
        if leaves.count == 1 { return ContractIndex.leafHash(leaves[0]) }
        return ContractIndex.innerHash(subtree(leaves.filter { bit($0.key, depth) == 0 }, depth: depth + 1),
                                       subtree(leaves.filter { bit($0.key, depth) == 1 }, depth: depth + 1))
    }

    /// The canonical (shortest-path) proof of §2, made by the recursion.
    static func prove(_ contract: String, in leaves: [ContractIndexLeaf]) -> ContractIndexProof {
        let key = ContractIndex.key(contract)
        var siblings: [Hash] = []
        var here = leaves
        var depth = 0
        while here.count > 1 {
            let mine = here.filter { bit($0.key, depth) == bit(key, depth) }
            siblings.append(subtree(here.filter { bit($0.key, depth) != bit(key, depth) }, depth: depth + 1))
            here = mine
            depth += 1
        }
        return try! ContractIndexProof(json: .object(proofJSON(contract, key: key, siblings: siblings, terminal: here.first)))
    }

    static func proofJSON(_ contract: String, key: Hash, siblings: [Hash], terminal: ContractIndexLeaf?) -> JSONObject {
        var o = JSONObject()
        o["contract"] = .string(contract)
        o["key"] = .string(key.hex)
        o["siblings"] = .array(siblings.map { .string($0.hex) })
        if let t = terminal {
            var l = JSONObject()
            l["key"] = .string(t.key.hex)
            l["count"] = .number(Double(t.count))
            l["last"] = .number(Double(t.last))
            l["chain"] = .string(t.chain.hex)
            o["leaf"] = .object(l)
        } else {
            o["leaf"] = .null
        }
        return o
    }

    let log = Log(ContractCompletenessTests.contracts)

    func check(_ contract: String, seqs: [Int], checkpoint: Checkpoint? = nil, proof: ContractIndexProof? = nil,
               candidates: [ContractCompleteness.Candidate]? = nil) throws -> ContractCompleteness {
        try ContractCompleteness(contract: contract, checkpoint: checkpoint ?? log.checkpoint(),
                                 indexProof: proof ?? Self.prove(contract, in: log.indexLeaves()),
                                 candidates: candidates ?? seqs.map(log.candidate))
    }

    func failure(_ body: () throws -> ContractCompleteness) -> String? {
        do {
            _ = try body()
            return nil
        } catch let e as EvidenceError {
            return e.kind == .failure ? e.message : "not a failure: \(e)"
        } catch {
            return "\(error)"
        }
    }

    @Test func allOfAContractsProvenEntriesAreComplete() throws {
        let a = try check("A", seqs: [7, 0, 5, 2, 2])
        #expect(a.entries.map(\.seq) == [0, 2, 5, 7])
        #expect(a.value?.count == 4 && a.value?.last == 7)
        // A contract the log never saw: absence proven, nothing to present.
        let none = try check("Z", seqs: [])
        #expect(none.value == nil && none.entries.isEmpty)
    }

    @Test func anOmittedEntryFails() {
        let message = failure { try check("A", seqs: [0, 2, 7]) }
        #expect(message?.contains("the log holds 4 entries") == true)
        #expect(message?.contains("1 missing") == true)
        #expect(failure { try check("A", seqs: []) }?.contains("none presented") == true)
        #expect(failure { try check("A", seqs: [0, 2, 5]) } != nil)
    }

    @Test func anotherContractsProvenEntryFails() {
        let message = failure { try check("A", seqs: [0, 1, 2, 5, 7]) }
        #expect(message?.contains("seq 1 is of contract B") == true)
        #expect(failure { try check("A", seqs: [0, 2, 3, 5, 7]) }?.contains("of no contract") == true)
    }

    @Test func anEntryRetaggedWithItsLeafRecomputedIsNotProven() {
        // Seq 1 (contract B) rewritten as A's, its leaf recomputed from the new bytes.
        let old = log.entries[1]
        let text = String(decoding: old.canonicalRecord, as: UTF8.self).replacingOccurrences(of: #""contract":"B""#, with: #""contract":"A""#)
        let retagged = ChainEntry(seq: 1, time: old.time, canonicalRecord: Array(text.utf8))
        let candidates = [0, 2, 5, 7].map(log.candidate) + [.init(entry: retagged, path: log.candidate(1).path)]
        #expect(failure { try check("A", seqs: [], candidates: candidates) }?.contains("not proven included") == true)
    }

    @Test func aClaimedLeafThatIsNotTheEntrysBytesFails() {
        var c = log.candidate(2)
        c.entry.leaf = log.entries[1].leaf
        let candidates = [log.candidate(0), c, log.candidate(5), log.candidate(7)]
        #expect(failure { try check("A", seqs: [], candidates: candidates) }?.contains("not the hash of its bytes") == true)
        var past = log.candidate(7)
        past.entry = ChainEntry(seq: 8, time: past.entry.time, canonicalRecord: past.entry.canonicalRecord)
        #expect(failure { try check("A", seqs: [], candidates: [past]) }?.contains("past the checkpoint") == true)
    }

    @Test func aCheckpointWithoutTheIndexLineFails() {
        #expect(failure { try check("A", seqs: [0, 2, 5, 7], checkpoint: log.checkpoint(line: false)) }?
            .contains("carries no contract index root") == true)
    }

    @Test func anIndexProofThatDoesNotLeadToTheRootFails() throws {
        let leaves = log.indexLeaves()
        let good = Self.prove("A", in: leaves)
        // A proof for another contract.
        #expect(failure { try check("A", seqs: [0, 2, 5, 7], proof: Self.prove("B", in: leaves)) }?
            .contains("the index proof is for contract B") == true)
        // A sibling changed.
        var bad = good
        bad.siblings[0] = ContractIndex.emptyRoot
        #expect(failure { try check("A", seqs: [0, 2, 5, 7], proof: bad) }?.contains("does not verify") == true)
        // A value changed to hide the last entry.
        var fewer = good
        fewer.terminal!.count = 3
        fewer.terminal!.last = 5
        #expect(failure { try check("A", seqs: [0, 2, 5], proof: fewer) }?.contains("does not verify") == true)
        // Absence claimed for a contract the log holds.
        var absent = good
        absent.terminal = nil
        #expect(failure { try check("A", seqs: [], proof: absent) }?.contains("does not verify") == true)
    }

    @Test func anIndexThatDropsAContractOrAnEntryFails() {
        // The bank's index leaves out contract A: absence proven, yet A's entries are in the log.
        let withoutA = log.indexLeaves().filter { $0.key != ContractIndex.key("A") }
        let cp = log.checkpoint(index: withoutA)
        #expect(failure { try check("A", seqs: [0, 2, 5, 7], checkpoint: cp, proof: Self.prove("A", in: withoutA)) }?
            .contains("holds no entry for it") == true)
        // An index whose chain for A left out seq 2 but kept count and last.
        var leaves = log.indexLeaves()
        let i = leaves.firstIndex { $0.key == ContractIndex.key("A") }!
        var forged = ContractIndex.value(of: "A", leaves: [0, 5, 7].map { (seq: UInt64($0), leaf: log.leaves[$0]) })!
        forged.count = 4
        leaves[i] = forged
        #expect(failure { try check("A", seqs: [0, 2, 5, 7], checkpoint: log.checkpoint(index: leaves),
                                    proof: Self.prove("A", in: leaves)) }?.contains("hash chain differs") == true)
    }
}
