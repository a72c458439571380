import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// `CheckpointTrust` (EvidenceLog/Witnessing/CheckpointTrust.swift) in
/// process: what a verifier may rely on about a checkpoint. Each test tries
/// to get a checkpoint trusted that must not be.
@Suite struct CheckpointTrustTests {
    let log = try! NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
    let w1 = try! NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)
    let w2 = try! NoteSignerKey.generate(name: "notary.example/w2", type: .cosignatureV1)
    let checkpoint = Checkpoint(origin: "bank.example/log", size: 8, root: Hash(hex: referenceRoots[8])!)

    func note(signedBy signer: NoteSignerKey? = nil, cosigners: [NoteSignerKey], checkpoint cp: Checkpoint? = nil) throws -> [UInt8] {
        var note = try (cp ?? checkpoint).signed(with: signer ?? log)
        for (i, w) in cosigners.enumerated() {
            note.signatures.append(try Cosignature.sign(text: note.text, key: w, time: 1_764_064_800 + UInt64(i)))
        }
        return note.bytes
    }

    func requirements(witnesses: [NoteSignerKey], quorum: Int) -> CheckpointTrust.Requirements {
        var r = CheckpointTrust.Requirements(logKey: log.verifierKey)
        r.witnessKeys = witnesses.map(\.verifierKey)
        r.quorum = quorum
        return r
    }

    @Test func signedAndCosignedCheckpointIsTrusted() throws {
        let trust = try CheckpointTrust(noteBytes: try note(cosigners: [w1]), timestampToken: nil,
                                        requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(trust.isTrusted, "\(trust.failure ?? "")")
        #expect(trust.checkpoint == checkpoint)
        #expect(trust.cosigners.map(\.key.name) == ["notary.example/w1"] && trust.cosigners[0].time == 1_764_064_800)
        #expect(trust.witnessSummary == "checkpoint (tree size 8): 1 witness cosignature checked (quorum 1)")
    }

    @Test func missingCosignatureIsAFailureNotTrust() throws {
        let trust = try CheckpointTrust(noteBytes: try note(cosigners: []), timestampToken: nil,
                                        requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(!trust.isTrusted)
        #expect(trust.failure?.contains("0 valid cosignatures, quorum is 1") == true)
    }

    @Test func quorumCountsOnlyValidCosignaturesOfGivenKeys() throws {
        // w2 cosigned, but only w1's key is given: it does not count.
        let onlyOther = try CheckpointTrust(noteBytes: try note(cosigners: [w2]), timestampToken: nil,
                                            requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(!onlyOther.isTrusted)
        let one = try CheckpointTrust(noteBytes: try note(cosigners: [w1]), timestampToken: nil,
                                      requirements: requirements(witnesses: [w1, w2], quorum: 2))
        #expect(one.failure?.contains("1 valid cosignature, quorum is 2") == true)
        let both = try CheckpointTrust(noteBytes: try note(cosigners: [w1, w2]), timestampToken: nil,
                                       requirements: requirements(witnesses: [w1, w2], quorum: 2))
        #expect(both.isTrusted && both.cosigners.count == 2)
    }

    @Test func anotherLogsSignatureOrOriginIsAFailure() throws {
        let impostor = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        let forged = try CheckpointTrust(noteBytes: try note(signedBy: impostor, cosigners: [w1]), timestampToken: nil,
                                         requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(forged.failure?.contains("checkpoint signature") == true)
        let other = Checkpoint(origin: "other.example/log", size: 8, root: checkpoint.root)
        let renamed = try CheckpointTrust(noteBytes: try note(cosigners: [w1], checkpoint: other), timestampToken: nil,
                                          requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(renamed.failure?.contains("origin \"other.example/log\"") == true)
    }

    /// A cosignature over other text (a different root) does not verify.
    @Test func cosignatureOfAnotherCheckpointDoesNotCount() throws {
        var forged = try checkpoint.signed(with: log)
        let other = Checkpoint(origin: checkpoint.origin, size: 8, root: Merkle.emptyRoot)
        forged.signatures.append(try Cosignature.sign(text: other.text, key: w1, time: 1))
        let trust = try CheckpointTrust(noteBytes: forged.bytes, timestampToken: nil,
                                        requirements: requirements(witnesses: [w1], quorum: 1))
        #expect(!trust.isTrusted)
    }

    /// A witness is independent of the log only if its public key differs:
    /// the log's key as a cosignature key under a witness's name cosigns
    /// nothing a neutral party saw, and the log's own verifier key given as
    /// a witness key is refused before anything is checked.
    @Test func witnessKeyWithTheLogsPublicKeyIsNoWitness() throws {
        let twin = try NoteSignerKey(name: "notary.example/twin", type: .cosignatureV1, seed: log.seed)
        let trust = try CheckpointTrust(noteBytes: try note(cosigners: [twin]), timestampToken: nil,
                                        requirements: requirements(witnesses: [twin], quorum: 1))
        #expect(!trust.isTrusted)
        #expect(trust.failure?.contains("the log key's public key") == true, "\(trust.failure ?? "trusted")")
        for witness in [log.verifierKey.encoded, twin.verifierKey.encoded] {
            do {
                _ = try CheckpointTrust.Requirements(logKey: log.verifierKey.encoded, witnessKeys: [witness], quorum: nil, tsaCAFile: nil)
                Issue.record("accepted \(witness) as a witness of its own log")
            } catch let e as EvidenceError {
                #expect(e.kind == .usage && e.message.contains("the log key's public key"), "\(e.message)")
            }
        }
    }

    /// Two names for one witness public key are one witness: they count once
    /// towards the quorum however the requirements were built.
    @Test func twoNamesForOneWitnessKeyCountOnce() throws {
        let again = try NoteSignerKey(name: "notary.example/w1-again", type: .cosignatureV1, seed: w1.seed)
        let trust = try CheckpointTrust(noteBytes: try note(cosigners: [w1, again]), timestampToken: nil,
                                        requirements: requirements(witnesses: [w1, again], quorum: 2))
        #expect(!trust.isTrusted)
        #expect(trust.cosigners.count == 1)
        let args = try CheckpointTrust.Requirements(logKey: log.verifierKey.encoded,
                                                    witnessKeys: [w1.verifierKey.encoded, again.verifierKey.encoded],
                                                    quorum: nil, tsaCAFile: nil)
        #expect(args.witnessKeys.count == 1)
    }

    /// A cosignature dated in the future beyond the clock skew does not
    /// count (a certificate once printed a cosigner time in year
    /// 292277026596: the largest time a cosignature can hold).
    @Test func cosignatureTimeInTheFutureDoesNotCount() throws {
        let r = requirements(witnesses: [w1], quorum: 1)
        let now = UInt64(Date().timeIntervalSince1970)
        for time in [UInt64(Int64.max), now + 86_400] {
            var note = try checkpoint.signed(with: log)
            note.signatures.append(try Cosignature.sign(text: note.text, key: w1, time: time))
            let trust = try CheckpointTrust(noteBytes: note.bytes, timestampToken: nil, requirements: r)
            #expect(!trust.isTrusted && trust.cosigners.isEmpty)
            #expect(trust.failure?.contains("in the future") == true, "\(trust.failure ?? "trusted")")
        }
        var note = try checkpoint.signed(with: log)
        note.signatures.append(try Cosignature.sign(text: note.text, key: w1, time: now + 60))
        #expect(try CheckpointTrust(noteBytes: note.bytes, timestampToken: nil, requirements: r).isTrusted)
    }

    @Test func requiredTimestampThatIsAbsentIsAFailure() throws {
        var r = requirements(witnesses: [w1], quorum: 1)
        r.tsaCAFile = "/nonexistent/ca.pem"
        let trust = try CheckpointTrust(noteBytes: try note(cosigners: [w1]), timestampToken: nil, requirements: r)
        #expect(trust.failure?.contains("no timestamp token for the checkpoint") == true)
    }

    @Test func bytesThatAreNoSignedNoteAreAnInputError() {
        do {
            _ = try CheckpointTrust(noteBytes: Array("not a note".utf8), timestampToken: nil,
                                    requirements: requirements(witnesses: [], quorum: 0))
            Issue.record("accepted")
        } catch let e as EvidenceError {
            #expect(e.kind == .input)
        } catch { Issue.record("\(error)") }
    }

    /// From the command line's strings: duplicates counted once, the quorum
    /// bounded by the distinct keys, no cosignature only when asked for.
    @Test func requirementsFromArguments() throws {
        let logKey = log.verifierKey.encoded, k1 = w1.verifierKey.encoded, k2 = w2.verifierKey.encoded
        let r = try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1, k1, k2], quorum: nil, tsaCAFile: nil)
        #expect(r.witnessKeys.count == 2 && r.quorum == 1 && !r.acceptsNoWitness)
        #expect(throws: EvidenceError.self) {
            try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1, k1], quorum: 2, tsaCAFile: nil)
        }
        #expect(throws: EvidenceError.self) {
            try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [], quorum: nil, tsaCAFile: nil)
        }
        #expect(throws: EvidenceError.self) {
            try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], quorum: nil, tsaCAFile: nil, noWitness: true)
        }
        let none = try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [], quorum: nil, tsaCAFile: nil, noWitness: true)
        #expect(none.quorum == 0 && none.acceptsNoWitness)
    }

    /// Only a valid cosignature by a key given as an index witness vouches
    /// for the index: not a plain witness's, not one under the index
    /// witness's name with another public key, not an index witness that did
    /// not cosign.
    @Test func indexCosignersAreTheIndexWitnessesThatCosigned() throws {
        let logKey = log.verifierKey.encoded, k1 = w1.verifierKey.encoded, k2 = w2.verifierKey.encoded
        // --index-witness alone: a witness too (quorum 1 from it).
        let r = try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [], indexWitnessKeys: [k2], quorum: nil, tsaCAFile: nil)
        #expect(r.witnessKeys.count == 1 && r.indexWitnessKeys.count == 1 && r.quorum == 1)
        let indexed = Checkpoint(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root,
                                 contractIndexRoot: Hash(hex: referenceRoots[3])!)
        let plain = try CheckpointTrust(noteBytes: try note(cosigners: [w1], checkpoint: indexed), timestampToken: nil,
                                        requirements: try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], indexWitnessKeys: [k2],
                                                                                       quorum: 1, tsaCAFile: nil))
        #expect(plain.isTrusted && plain.cosigners.count == 1 && plain.indexCosigners.isEmpty)
        #expect(!plain.witnessSummary.contains("index"))
        let both = try CheckpointTrust(noteBytes: try note(cosigners: [w1, w2], checkpoint: indexed), timestampToken: nil,
                                       requirements: try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], indexWitnessKeys: [k2],
                                                                                      quorum: 2, tsaCAFile: nil))
        #expect(both.isTrusted && both.indexCosigners.map(\.key.name) == ["notary.example/w2"])
        #expect(both.witnessSummary.hasSuffix("(quorum 2), 1 by an index witness (notary.example/w2)"))
        // With no index line, no one vouched for an index.
        let unindexed = try CheckpointTrust(noteBytes: try note(cosigners: [w1, w2]), timestampToken: nil,
                                            requirements: try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], indexWitnessKeys: [k2],
                                                                                           quorum: 2, tsaCAFile: nil))
        #expect(unindexed.isTrusted && unindexed.indexCosigners.isEmpty)
        // An impostor key under w2's name cosigns: no index cosigner.
        let impostor = try NoteSignerKey.generate(name: "notary.example/w2", type: .cosignatureV1)
        let forged = try CheckpointTrust(noteBytes: try note(cosigners: [w1, impostor], checkpoint: indexed), timestampToken: nil,
                                         requirements: try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], indexWitnessKeys: [k2],
                                                                                        quorum: 1, tsaCAFile: nil))
        #expect(forged.isTrusted && forged.indexCosigners.isEmpty)
        // The log's key is no index witness either.
        #expect(throws: EvidenceError.self) {
            try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [k1], indexWitnessKeys: [logKey], quorum: nil, tsaCAFile: nil)
        }
        #expect(throws: EvidenceError.self) {
            try CheckpointTrust.Requirements(logKey: logKey, witnessKeys: [], indexWitnessKeys: [k2], quorum: nil, tsaCAFile: nil, noWitness: true)
        }
    }
}
