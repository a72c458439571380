import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// A chain in a fresh temporary directory.
final class TempChain {
    let dir: URL
    let path: String
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("evchain-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("chain").path
        try ChainStore.initialize(path: path, origin: "unit.example/log")
    }
    deinit { try? FileManager.default.removeItem(at: dir) }

    func append(_ lines: [String], now: Int64 = 1_764_064_800) throws -> AppendReceipts {
        let file = dir.appendingPathComponent("in-\(UUID().uuidString)")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let store = try ChainStore(path: path, access: .write)
        return try store.append(from: try JSONLinesReader.open(file.path), now: { now })
    }
}

private func record(_ i: Int) -> String {
    let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("doc \(i)".utf8)))
    return #"{"id":"C1/esign/d\#(i).pdf","contract":"C1","stage":"esign","alg":"sha256","digest":"\#(digest)"}"#
}

@Test func appendCommitsEntriesHashesAndIndexTogether() throws {
    let chain = try TempChain()
    let receipts = try chain.append((0..<300).map(record))
    #expect(receipts.count == 300 && receipts.treeSize == 300)
    let store = try ChainStore(path: chain.path, access: .audit)
    let layout = try store.layout()
    #expect(layout.committed == 300 && !layout.hasTornTail && !layout.isTruncated)
    #expect(layout.hashesEnd == StoredHash.count(treeSize: 300) * 32)
    // The stored tree equals the §2.1 recursion over the entries' leaves.
    let leaves = try (0..<300).map { try store.entry(UInt64($0)).leaf }
    #expect(try store.tree.treeHash(size: 300) == Merkle.treeHash(leafHashes: leaves[...]))
    let entry = try store.entry(42)
    #expect(entry.time == "2025-11-25T10:00:00Z")
    #expect(entry.leaf == Merkle.leafHash(entry.entryBytes))
    let result = try store.audit(checkpoints: [Checkpoint(origin: store.origin, size: 100,
                                                          root: try store.tree.treeHash(size: 100))])
    #expect(result.isClean && result.verified == 300 && result.checkpointsMatched == [100])
}

@Test func badLineAppendsNothingAndNamesTheLine() throws {
    let chain = try TempChain()
    _ = try chain.append([record(0)])
    var lines = (1..<10).map(record)
    lines[4] = #"{"id":"C1/esign/x","alg":"sha256"}"#
    #expect {
        _ = try chain.append(lines)
    } throws: { error in
        (error as? EvidenceError)?.location?.hasSuffix(":5") == true && (error as? EvidenceError)?.kind == .input
    }
    let layout = try ChainStore(path: chain.path, access: .read).layout()
    #expect(layout.committed == 1 && !layout.hasTornTail)
}

/// A torn tail (what a crash between writing lines and committing them
/// leaves) is reported by audit, removed by repair, and removed by the next
/// append too, which says so in its receipts and then appends.
@Test func tornTailIsReportedRepairedAndRemovedByTheNextAppend() throws {
    let chain = try TempChain()
    _ = try chain.append((0..<5).map(record))
    func tear() throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: chain.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"seq":5,"time":"2025-11-25T10:00:00Z","rec"#.utf8))
        try handle.close()
    }
    try tear()
    do {
        // The store holds the exclusive lock until it goes out of scope.
        let store = try ChainStore(path: chain.path, access: .write)
        let found = try store.audit(checkpoints: [])
        #expect(found.failure == nil)
        #expect(found.tornTail?.hasPrefix("torn tail after entry 5 (never acknowledged)") == true, "\(found.tornTail ?? "")")
        _ = try store.removeTornTail()
        #expect(try store.audit(checkpoints: []).isClean)
    }
    try tear()
    let receipts = try chain.append([record(9)])
    #expect(receipts.removedTornTail?.hasPrefix("torn tail after entry 5") == true)
    #expect(receipts.appended == 1 && receipts.firstSeq == 5)
    #expect(try ChainStore(path: chain.path, access: .read).size() == 6)
    #expect(try ChainStore(path: chain.path, access: .audit).audit(checkpoints: []).isClean)
}

@Test func witnessRefusesRollbackAndSplitView() throws {
    let log = try NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
    let witnessKey = try NoteSignerKey.generate(name: "notary.example", type: .cosignatureV1)
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: state) }
    let witness = try Witness(key: witnessKey, logKey: log.verifierKey, origin: nil, stateDirectory: state.path)
    var tree = MemoryHashStore()
    for i in 0..<10 { tree.append(leafHash: Merkle.leafHash(Array("e\(i)".utf8))) }
    let reader = MerkleTreeReader(tree)
    func note(_ size: UInt64, root: Hash? = nil) throws -> [UInt8] {
        try Checkpoint(origin: "unit.example/log", size: size, root: root ?? reader.treeHash(size: size)).signed(with: log).bytes
    }
    #expect(throws: EvidenceError.self) { _ = try witness.cosign(try note(4), proof: nil, now: 99) }
    let first = try witness.cosign(try note(4), proof: nil, now: 100, firstUse: true)
    #expect(try first.verify(witnessKey.verifierKey) == [100])
    let proof = ConsistencyProof(oldSize: 4, newSize: 10, oldRoot: try reader.treeHash(size: 4),
                                 newRoot: try reader.treeHash(size: 10),
                                 path: try reader.consistencyProof(oldSize: 4, newSize: 10))
    #expect(throws: EvidenceError.self) { _ = try witness.cosign(try note(10), proof: nil, now: 101) }
    var bad = proof; bad.path[0][0] ^= 1
    #expect(throws: EvidenceError.self) { _ = try witness.cosign(try note(10), proof: bad, now: 101) }
    _ = try witness.cosign(try note(10), proof: proof, now: 102)
    #expect(try witness.lastCosigned()?.size == 10)
    #expect(throws: EvidenceError.self) { _ = try witness.cosign(try note(4), proof: nil, now: 103) }
    #expect(throws: EvidenceError.self) { _ = try witness.cosign(try note(10, root: Merkle.emptyRoot), proof: nil, now: 104) }
    #expect(try witness.lastCosigned()?.size == 10)
}
