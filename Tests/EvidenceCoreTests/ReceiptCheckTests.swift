import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// `ReceiptCheck` in process: a receipt issued from a chain checks, and held
/// against a later case it fails, naming the receipt, when the case
/// withholds, alters or drops one of its entries (issue 24 items 2–3).
@Suite struct ReceiptCheckTests {
    static func record(_ contract: String, _ i: Int) -> String {
        let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("\(contract) doc \(i)".utf8)))
        return #"{"id":"\#(contract)/performance/r\#(i).json","contract":"\#(contract)","stage":"performance","alg":"sha256","digest":"\#(digest)"}"#
    }

    let chain = try! TempChain()
    let log = try! NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
    let witness = try! NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)

    /// The chain's checkpoint at its size, signed and cosigned.
    func checkpoint() throws -> ChainCheckpoint {
        let s = try ChainStore(path: chain.path, access: .read)
        var note = try SignedNote(parsing: try s.signCheckpoint(with: log))
        note.signatures.append(try Cosignature.sign(text: note.text, key: witness, time: 1_764_064_800))
        return try s.matchCheckpoint(note.bytes, logKey: log.verifierKey)
    }

    func requirements() -> CheckpointTrust.Requirements {
        var r = CheckpointTrust.Requirements(logKey: log.verifierKey)
        r.witnessKeys = [witness.verifierKey]
        r.indexWitnessKeys = [witness.verifierKey]
        r.quorum = 1
        return r
    }

    func check(_ receipt: ContractReceipt) throws -> ReceiptCheck {
        try ReceiptCheck(receipt, requirements: requirements(), acceptBankIndex: false)
    }

    /// The case at `cp`: every entry of `contract` as the verifier proves it.
    func presented(_ contract: String, at cp: ChainCheckpoint) throws -> [(seq: UInt64, leaf: Hash)] {
        let s = try ChainStore(path: chain.path, access: .read)
        return try s.receipt(contract: contract, against: cp, timestampToken: nil).entries.map { ($0.entry.seq, $0.entry.leaf) }
    }

    @Test func aReceiptChecksAndSurvivesItsJSON() throws {
        _ = try chain.append([Self.record("C1", 0), Self.record("C2", 0), Self.record("C1", 1), Self.record("C3", 0)])
        let cp = try checkpoint()
        let s = try ChainStore(path: chain.path, access: .read)
        let receipt = try s.receipt(contract: "C1", against: cp, timestampToken: nil)
        #expect(receipt.entries.map(\.entry.seq) == [0, 2])
        let reread = try ContractReceipt(bytes: receipt.bytes)
        let result = try check(reread)
        #expect(result.isValid, "\(result.findings)")
        #expect(result.value?.count == 2 && result.value?.last == 2)
        #expect(result.indexVouchedBy == ["notary.example/w1"])
        #expect(!String(decoding: receipt.bytes, as: UTF8.self).contains("C2/"), "another contract's record in the receipt")
    }

    @Test func theLaterCaseMustExtendTheReceipt() throws {
        _ = try chain.append([Self.record("C1", 0), Self.record("C2", 0), Self.record("C1", 1)])
        let early = try checkpoint()
        let s = try ChainStore(path: chain.path, access: .read)
        let receipt = try check(try s.receipt(contract: "C1", against: early, timestampToken: nil))
        try #require(receipt.isValid, "\(receipt.findings)")
        _ = try chain.append([Self.record("C1", 2), Self.record("C3", 0)])
        let late = try checkpoint()
        let s2 = try ChainStore(path: chain.path, access: .read)
        let proof = try s2.consistencyProof(from: early.checkpoint.size, to: late.checkpoint.size).path
        let all = try presented("C1", at: late)
        #expect(all.count == 3)

        #expect(receipt.against(checkpoint: late.checkpoint, consistency: proof, entries: all, name: "r1.json").isEmpty)
        // Same size: no proof needed.
        #expect(receipt.against(checkpoint: early.checkpoint, consistency: nil, entries: try presented("C1", at: early), name: "r1.json").isEmpty)

        // The bank withholds the receipt's second entry (seq 2).
        let withheld = receipt.against(checkpoint: late.checkpoint, consistency: proof, entries: all.filter { $0.seq != 2 }, name: "r1.json")
        #expect(withheld.contains { $0.hasPrefix("receipt r1.json: entry seq 2") && $0.contains("withheld") }, "\(withheld)")
        // ... or presents it altered.
        var altered = all
        altered[1].leaf = ContractIndex.key("not the entry")
        let changed = receipt.against(checkpoint: late.checkpoint, consistency: proof, entries: altered, name: "r1.json")
        #expect(changed.contains { $0.contains("entry seq 2") && $0.contains("altered") }, "\(changed)")
        // ... or an index that shrank.
        let shrunk = receipt.against(checkpoint: late.checkpoint, consistency: proof, entries: Array(all.prefix(1)), name: "r1.json")
        #expect(shrunk.contains { $0.contains("receipt r1.json") && $0.contains("shrank") }, "\(shrunk)")
        // A log that does not extend the receipt's.
        let forked = receipt.against(checkpoint: late.checkpoint, consistency: proof.map { _ in ContractIndex.emptyRoot },
                                     entries: all, name: "r1.json")
        #expect(forked.contains { $0.contains("not proven consistent") }, "\(forked)")
        // No consistency proof (a --proofs bundle) for another size: not a pass.
        let unproven = receipt.against(checkpoint: late.checkpoint, consistency: nil, entries: all, name: "r1.json")
        #expect(unproven.contains { $0.hasPrefix("receipt r1.json") && $0.contains("cannot be proven consistent") }, "\(unproven)")
        // A receipt newer than the verified checkpoint says so.
        let lateReceipt = try check(try s2.receipt(contract: "C1", against: late, timestampToken: nil))
        let newer = lateReceipt.against(checkpoint: early.checkpoint, consistency: nil, entries: all, name: "r2.json")
        #expect(newer.count == 1 && newer[0].contains("newer than the verified one"), "\(newer)")
    }
}
