import Foundation
import Glibc
import Testing
@testable import EvidenceSupport
@testable import EvidenceLog

/// `KeyFile` (EvidenceLog/Notes/KeyFile.swift): private keys 0600, never
/// overwritten, refused when others may read them; verifier keys literally
/// or from a file.
@Suite struct KeyFileTests {
    let scratch = ScratchDirectory("keyfile")
    var dir: String { scratch.path }

    @Test func privateKeyRoundTripsAndIsNeverOverwritten() throws {
        let key = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        let path = dir + "/log.key"
        try KeyFile.create(key, at: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let read = try KeyFile.readSigner(path)
        #expect(read.verifierKey == key.verifierKey)
        let other = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        #expect(throws: EvidenceError.self) { try KeyFile.create(other, at: path) }
        #expect(try KeyFile.readSigner(path).verifierKey == key.verifierKey)
    }

    @Test func privateKeyReadableByOthersIsRefused() throws {
        let path = dir + "/log.key"
        try KeyFile.create(try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519), at: path)
        #expect(chmod(path, 0o640) == 0)
        do {
            _ = try KeyFile.readSigner(path)
            Issue.record("a group-readable key was read")
        } catch let e as EvidenceError {
            #expect(e.kind == .input && e.message.contains("chmod 600"))
        }
    }

    @Test func verifierKeyLiterallyOrFromAFile() throws {
        let key = try NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1).verifierKey
        #expect(try KeyFile.readVerifier(key.encoded) == key)
        let path = dir + "/w1.vkey"
        try Data(("\n" + key.encoded + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(try KeyFile.readVerifier(path) == key)
        let empty = dir + "/empty.vkey"
        try Data("\n".utf8).write(to: URL(fileURLWithPath: empty))
        do {
            _ = try KeyFile.readVerifier(empty)
            Issue.record("an empty key file was read")
        } catch let e as EvidenceError {
            #expect(e.location == empty)
        }
        let garbled = dir + "/garbled.vkey"
        try Data("name+0000+AAAA\n".utf8).write(to: URL(fileURLWithPath: garbled))
        #expect(throws: EvidenceError.self) { _ = try KeyFile.readVerifier(garbled) }
    }
}
