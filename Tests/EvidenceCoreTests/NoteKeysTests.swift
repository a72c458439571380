import Foundation
import Synchronization
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// A signer whose seed never leaves "the device": it only answers sign
/// requests, as an HSM or a KMS would, and counts them.
private final class DeviceSigner: NoteSigner {
    let verifierKey: NoteVerifierKey
    private let device: NoteSignerKey
    let requests = Mutex(0)

    init(name: String, type: NoteKeyType) throws {
        device = try NoteSignerKey.generate(name: name, type: type)
        verifierKey = device.verifierKey
    }

    func sign(_ message: [UInt8]) throws -> [UInt8] {
        requests.withLock { $0 += 1 }
        return try device.sign(message)
    }
}

@Test func aLogKeyOutsideTheProcessSignsCheckpointsThatVerify() throws {
    let signer = try DeviceSigner(name: "bank.example/log", type: .ed25519)
    let checkpoint = Checkpoint(origin: "bank.example/log", size: 0, root: Merkle.emptyRoot)
    let note = try checkpoint.signed(with: signer)
    #expect(signer.requests.withLock { $0 } == 1)
    let (opened, _) = try Checkpoint.open(note.bytes, logKey: signer.verifierKey, origin: "bank.example/log")
    #expect(opened == checkpoint)
}

@Test func aWitnessKeyOutsideTheProcessCosigns() throws {
    let log = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
    let witness = try DeviceSigner(name: "notary.example/witness", type: .cosignatureV1)
    var note = try Checkpoint(origin: "bank.example/log", size: 0, root: Merkle.emptyRoot).signed(with: log)
    note.signatures.append(try Cosignature.sign(text: note.text, key: witness, time: 1_764_064_900))
    #expect(try note.verify(witness.verifierKey) == [1_764_064_900])
    #expect(try note.verify(log.verifierKey) == [nil])
}
