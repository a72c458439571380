import Foundation
import Testing
import PythonHelpers
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

// The example key and note of golang.org/x/mod/sumdb/note (the origin of the
// C2SP signed-note format), reproduced in its documentation and many
// independent implementations' tests.
let peterSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
let peterVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
let peterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
let peterNote = peterText + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

@Test func exampleKeySignsAndVerifiesTheExampleNote() throws {
    let signer = try NoteSignerKey(parsing: peterSigner)
    #expect(signer.verifierKey.encoded == peterVerifier)
    #expect(signer.encodedSecret == peterSigner)
    #expect(!"\(signer)".contains("AYEKFALV"))   // the secret never shows in descriptions
    var note = SignedNote(text: peterText)
    try note.sign(with: signer)
    #expect(String(decoding: note.bytes, as: UTF8.self) == peterNote)
    let parsed = try SignedNote(parsing: Array(peterNote.utf8))
    #expect(parsed.text == peterText)
    try parsed.verify(NoteVerifierKey(parsing: peterVerifier))
    // EnochRoot, the other key of the Go tests: its signature is absent.
    #expect(throws: EvidenceError.self) {
        try parsed.verify(NoteVerifierKey(parsing: "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"))
    }
    let tampered = try SignedNote(parsing: Array(peterNote.replacingOccurrences(of: "answer", with: "Answer").utf8))
    #expect(throws: EvidenceError.self) { try tampered.verify(NoteVerifierKey(parsing: peterVerifier)) }
}

@Test func verifierKeyManglingsRejected() {
    #expect(throws: EvidenceError.self) { try NoteVerifierKey(parsing: "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
    #expect(throws: EvidenceError.self) { try NoteVerifierKey(parsing: "PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
    #expect(throws: EvidenceError.self) { try NoteVerifierKey(parsing: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T") }
    #expect(throws: EvidenceError.self) { try NoteVerifierKey(parsing: "PeterNeumann+c74f20a3") }
}

/// A real checkpoint of the public witness network with the Ed25519
/// cosignature of the remora.n621.de witness (type 0x04), as reproduced in
/// public tlog client tests.
@Test func publicWitnessCosignatureVerifies() throws {
    let text = "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
    let sig = "\u{2014} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    let key = try NoteVerifierKey(parsing: "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    #expect(key.type == .cosignatureV1)
    let note = try SignedNote(parsing: Array((text + "\n" + sig).utf8))
    let times = try note.verify(key)
    #expect(times == [1_779_573_024])
    let clobbered = try SignedNote(parsing: Array((text.replacingOccurrences(of: "1432088532", with: "42") + "\n" + sig).utf8))
    #expect(throws: EvidenceError.self) { try clobbered.verify(key) }
    #expect(try Checkpoint(text: text).size == 1432088532)
}

@Test func checkpointWeSignVerifiesIndependently() throws {
    try Python.require("cryptography")
    let key = try NoteSignerKey.generate(name: "bank.example/evidence/2026", type: .ed25519)
    let witness = try NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)
    let checkpoint = Checkpoint(origin: "bank.example/evidence/2026", size: 8,
                                root: Hash(hex: referenceRoots[8])!)
    var note = try checkpoint.signed(with: key)
    note.signatures.append(try Cosignature.sign(text: note.text, key: witness, time: 1_764_000_000))
    let bytes = Data(note.bytes)
    #expect(try IndependentCheck.run("note_verify.py", input: bytes, arguments: [key.verifierKey.encoded], requires: ["cryptography"]) == "ok\n")
    #expect(try IndependentCheck.run("note_verify.py", input: bytes, arguments: [witness.verifierKey.encoded], requires: ["cryptography"]) == "ok\n")
    let (opened, _) = try Checkpoint.open(note.bytes, logKey: key.verifierKey, origin: checkpoint.origin)
    #expect(opened == checkpoint)
    #expect(try SignedNote(parsing: note.bytes).verify(witness.verifierKey) == [1_764_000_000])
    // Flip a byte of the root line: both verifiers reject.
    let flipped = Data(String(decoding: note.bytes, as: UTF8.self).replacingOccurrences(of: "\n8\n", with: "\n9\n").utf8)
    #expect(try IndependentCheck.run("note_verify.py", input: flipped, arguments: [key.verifierKey.encoded], requires: ["cryptography"]) != "ok\n")
    #expect(throws: EvidenceError.self) { try Checkpoint.open([UInt8](flipped), logKey: key.verifierKey) }
}

@Test func checkpointRejections() throws {
    let key = try NoteSignerKey.generate(name: "log.example", type: .ed25519)
    let other = try NoteSignerKey.generate(name: "log.example", type: .ed25519)
    let renamed = try NoteSignerKey(name: "log.example2", type: .ed25519, seed: key.seed)
    let cp = Checkpoint(origin: "log.example", size: 3, root: Hash(hex: referenceRoots[3])!)
    let note = try cp.signed(with: key)
    let good = String(decoding: note.bytes, as: UTF8.self)
    #expect(throws: Never.self) { try Checkpoint.open(note.bytes, logKey: key.verifierKey) }
    // Wrong key, wrong name (same key material), wrong origin.
    #expect(throws: EvidenceError.self) { try Checkpoint.open(note.bytes, logKey: other.verifierKey) }
    #expect(throws: EvidenceError.self) { try Checkpoint.open(note.bytes, logKey: renamed.verifierKey) }
    #expect(throws: EvidenceError.self) { try Checkpoint.open(note.bytes, logKey: key.verifierKey, origin: "other.example") }
    let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // Reordered body lines (size and root swapped), even if re-signed.
    let reordered = [lines[0], lines[2], lines[1]] + lines[3...]
    #expect(throws: EvidenceError.self) { try Checkpoint.open(Array(reordered.joined(separator: "\n").utf8), logKey: key.verifierKey) }
    var resigned = SignedNote(text: [lines[0], lines[2], lines[1]].map { $0 + "\n" }.joined())
    try resigned.sign(with: key)
    #expect(throws: EvidenceError.self) { try Checkpoint.open(resigned.bytes, logKey: key.verifierKey) }
    // Extra blank lines: before the signatures, after them, at the start.
    for mangled in [good.replacingOccurrences(of: "\n\n", with: "\n\n\n"), good + "\n", "\n" + good,
                    good.replacingOccurrences(of: "\n\n", with: "\n")] {
        #expect(throws: EvidenceError.self) { try Checkpoint.open(Array(mangled.utf8), logKey: key.verifierKey) }
    }
    // Non-canonical size and root spellings.
    #expect(throws: EvidenceError.self) { try Checkpoint(text: "o\n03\n\(cp.root.base64)\n") }
    #expect(throws: EvidenceError.self) { try Checkpoint(text: "o\n3\n\(Base64.encode(Array(cp.root.prefix(31))))\n") }
}
