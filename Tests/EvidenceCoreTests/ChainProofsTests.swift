import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidenceCore

/// `ChainProofs.swift` and `ChainStore.auditCheckpoints` in process: the
/// proofs `evchain prove`/`consistency` hand out, the checkpoints they are
/// made against, and the checkpoints an audit accepts.
@Suite struct ChainProofsTests {
    static func records(_ range: Range<Int>) -> [String] {
        range.map { i in
            let digest = Hex.encode(DigestAlgorithm.sha256.hash(Array("proof doc \(i)".utf8)))
            return #"{"id":"C2/esign/p\#(i).pdf","contract":"C2","stage":"esign","alg":"sha256","digest":"\#(digest)"}"#
        }
    }

    let chain = try! TempChain()
    let log = try! NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
    let witness = try! NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)

    func store() throws -> ChainStore { try ChainStore(path: chain.path, access: .read) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = chain.dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func inclusionProofsVerifyAgainstTheSignedCheckpoint() throws {
        _ = try chain.append(Self.records(0..<37))
        let s = try store()
        let cp = try s.matchCheckpoint(try s.signCheckpoint(with: log), logKey: log.verifierKey)
        let root37 = try s.tree.treeHash(size: 37)
        #expect(cp.checkpoint.size == 37 && cp.checkpoint.root == root37)
        for seq: UInt64 in [0, 1, 17, 31, 32, 36] {
            let proof = try s.inclusionProof(seq: seq, against: cp)
            let entry = try s.entry(seq)
            #expect(proof.entry == entry)
            #expect(throws: Never.self) {
                try Merkle.verifyInclusion(leafHash: proof.entry.leaf, index: seq, treeSize: 37, path: proof.path, root: proof.root)
            }
            // The C2SP tlog-proof text carries the entry bytes, the index and the path.
            let lines = proof.tlogProof.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines[0] == "c2sp.org/tlog-proof@v1")
            #expect(lines[1] == "extra " + Base64.encode(proof.entry.entryBytes))
            #expect(lines[2] == "index \(seq)")
            #expect(Array(lines[3..<(3 + proof.path.count)]) == proof.path.map(\.base64))
            #expect(proof.tlogProof.hasSuffix("\n\n" + cp.note))
        }
        #expect(throws: EvidenceError.self) { _ = try s.inclusionProof(seq: 37, against: cp) }
    }

    @Test func checkpointsThatAreNotThisChainsAreRefused() throws {
        _ = try chain.append(Self.records(0..<10))
        let s = try store()
        let root = try s.tree.treeHash(size: 10)
        let stranger = try NoteSignerKey.generate(name: "other.example/log", type: .ed25519)
        #expect(throws: EvidenceError.self) { _ = try s.signCheckpoint(with: stranger) }
        func kind(_ note: [UInt8], logKey: NoteVerifierKey? = nil) -> EvidenceError.Kind? {
            do { _ = try s.matchCheckpoint(note, logKey: logKey); return nil }
            catch let e as EvidenceError { return e.kind } catch { return nil }
        }
        let otherOrigin = try Checkpoint(origin: "other.example/log", size: 10, root: root).signed(with: stranger).bytes
        #expect(kind(otherOrigin) == .failure)
        let beyond = try Checkpoint(origin: "unit.example/log", size: 11, root: root).signed(with: log).bytes
        #expect(kind(beyond) == .failure)
        let rewritten = try Checkpoint(origin: "unit.example/log", size: 10, root: Merkle.emptyRoot).signed(with: log).bytes
        #expect(kind(rewritten) == .failure)
        let good = try s.signCheckpoint(with: log)
        #expect(kind(good, logKey: stranger.verifierKey) != nil)
        #expect(kind(Array("not a note\n".utf8)) == .input)
        #expect(kind(good, logKey: log.verifierKey) == nil)
    }

    @Test func consistencyProofsVerifyAndRefuseImpossibleSizes() throws {
        _ = try chain.append(Self.records(0..<21))
        let s = try store()
        for (m, n): (UInt64, UInt64) in [(1, 21), (4, 21), (13, 20), (21, 21)] {
            let proof = try s.consistencyProof(from: m, to: n)
            let (oldRoot, newRoot) = (try s.tree.treeHash(size: m), try s.tree.treeHash(size: n))
            #expect(proof.oldRoot == oldRoot && proof.newRoot == newRoot)
            #expect(throws: Never.self) {
                try Merkle.verifyConsistency(oldSize: m, newSize: n, oldRoot: proof.oldRoot, newRoot: proof.newRoot, path: proof.path)
            }
        }
        for (m, n): (UInt64, UInt64) in [(0, 21), (5, 4), (1, 22)] {
            #expect(throws: EvidenceError.self, "\(m)..\(n)") { _ = try s.consistencyProof(from: m, to: n) }
        }
    }

    /// An audit's `--checkpoint` files must be this log's, signed by the log
    /// key and cosigned by every witness key given; a failure names the file.
    @Test func auditCheckpointsRequireSignatureCosignatureAndOrigin() throws {
        _ = try chain.append(Self.records(0..<8))
        let s = try ChainStore(path: chain.path, access: .audit)
        var note = try SignedNote(parsing: try s.signCheckpoint(with: log))
        let plain = try file("plain.cp", note.bytes)
        note.signatures.append(try Cosignature.sign(text: note.text, key: witness, time: 1_764_064_800))
        let cosigned = try file("cosigned.cp", note.bytes)

        let accepted = try s.auditCheckpoints([cosigned], logKey: log.verifierKey, witnessKeys: [witness.verifierKey], tsaCAFile: nil)
        #expect(accepted.map(\.size) == [8])
        #expect(try s.audit(checkpoints: accepted).checkpointsMatched == [8])

        func failure(_ paths: [String], logKey: NoteVerifierKey?, witnesses: [NoteVerifierKey], tsa: String? = nil) -> EvidenceError? {
            do { _ = try s.auditCheckpoints(paths, logKey: logKey, witnessKeys: witnesses, tsaCAFile: tsa); return nil }
            catch let e as EvidenceError { return e } catch { return nil }
        }
        let uncosigned = failure([plain], logKey: log.verifierKey, witnesses: [witness.verifierKey])
        #expect(uncosigned?.kind == .failure && uncosigned?.location == plain)
        let impostor = try NoteSignerKey.generate(name: "unit.example/log", type: .ed25519)
        #expect(failure([cosigned], logKey: impostor.verifierKey, witnesses: [])?.location == cosigned)
        let stranger = try NoteSignerKey.generate(name: "other.example/log", type: .ed25519)
        let foreign = try file("foreign.cp", try Checkpoint(origin: "other.example/log", size: 8, root: try s.tree.treeHash(size: 8))
            .signed(with: stranger).bytes)
        #expect(failure([foreign], logKey: nil, witnesses: [])?.message.contains("is not this chain's") == true)
        let unstamped = failure([cosigned], logKey: log.verifierKey, witnesses: [], tsa: "/nonexistent/ca.pem")
        #expect(unstamped?.message.contains("no timestamp token \(cosigned).tsr") == true)
    }

    /// The audit trusts witnesses as evverify does (CheckpointTrust): the
    /// log's own key, or its public key under a witness's name, is no
    /// witness; and every `--checkpoint` file is checked in full, whatever
    /// its path, CHAIN.checkpoint included.
    @Test func auditTrustsWitnessesAsEvverifyDoes() throws {
        _ = try chain.append(Self.records(0..<8))
        let s = try ChainStore(path: chain.path, access: .audit)
        let signed = try s.signCheckpoint(with: log)
        let plain = try file("plain.cp", signed)
        func refused(_ paths: [String], _ witnesses: [NoteVerifierKey]) -> Bool {
            do { _ = try s.auditCheckpoints(paths, logKey: log.verifierKey, witnessKeys: witnesses, tsaCAFile: nil); return false }
            catch { return true }
        }
        #expect(refused([plain], [log.verifierKey]), "the log's own key counted as a witness")
        let twin = try NoteSignerKey(name: "notary.example/twin", type: .cosignatureV1, seed: log.seed)
        var note = try SignedNote(parsing: signed)
        note.signatures.append(try Cosignature.sign(text: note.text, key: twin, time: 1_764_064_800))
        let selfCosigned = try file("self.cp", note.bytes)
        #expect(refused([selfCosigned], [twin.verifierKey]), "the log's public key under another name counted as a witness")
        // The chain's own checkpoint file, uncosigned, given as --checkpoint: checked like any other.
        let saved = ChainStore.checkpointPath(chain.path)
        try Data(signed).write(to: URL(fileURLWithPath: saved))
        let dir = chain.dir.path
        for spelling in [saved, "\(dir)/./\(URL(fileURLWithPath: saved).lastPathComponent)"] {
            #expect(refused([spelling], [witness.verifierKey]), "\(spelling) skipped the witness check")
        }
    }

    /// An audit recomputes the root and refuses a checkpoint whose root the
    /// entries do not give.
    @Test func auditComparesCheckpointRootsWithTheEntries() throws {
        _ = try chain.append(Self.records(0..<12))
        let s = try ChainStore(path: chain.path, access: .audit)
        let good = Checkpoint(origin: "unit.example/log", size: 5, root: try s.tree.treeHash(size: 5))
        let result = try s.audit(checkpoints: [good])
        let root12 = try s.tree.treeHash(size: 12)
        #expect(result.isClean && result.verified == 12 && result.root == root12)
        #expect(result.checkpointsMatched == [5])
        let bad = Checkpoint(origin: "unit.example/log", size: 5, root: try s.tree.treeHash(size: 6))
        #expect(try s.audit(checkpoints: [bad]).failure?.message.contains("checkpoint of size 5 has root") == true)
    }
}
