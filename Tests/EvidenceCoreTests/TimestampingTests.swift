import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// RFC 3161 in process (EvidenceCrypto/OpenSSL/OpenSSLTimestamp.swift,
/// EvidenceLog/Witnessing/Timestamping.swift): the request we send, what a
/// checkpoint's token covers, and replies that must not pass.
@Suite struct TimestampingTests {
    /// The DER of RFC 3161 §2.4.1 TimeStampReq, written out by hand from its
    /// ASN.1: SEQUENCE { version 1, MessageImprint { sha256 (2.16.840.1.101.3.4.2.1)
    /// with NULL parameters, OCTET STRING imprint }, nonce INTEGER, certReq TRUE }.
    @Test func requestIsTheDEROfRFC3161() throws {
        let imprint = DigestAlgorithm.sha256.hash(Array("checkpoint".utf8))
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let expected: [UInt8] = [0x30, 0x43, 0x02, 0x01, 0x01,
                                 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                                 0x04, 0x20] + imprint
            + [0x02, 0x08] + nonce + [0x01, 0x01, 0xff]
        #expect(try TimestampRequest.make(imprint: imprint, nonce: nonce) == expected)
    }

    /// One token stays valid however many witnesses cosign: it covers the
    /// note with the log's own signature lines only.
    @Test func checkpointTokenCoversTheLogsSignatureOnly() throws {
        let log = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        let witness = try NoteSignerKey.generate(name: "notary.example/w1", type: .cosignatureV1)
        let signed = try Checkpoint(origin: "bank.example/log", size: 3, root: Merkle.emptyRoot).signed(with: log)
        var cosigned = signed
        cosigned.signatures.append(try Cosignature.sign(text: signed.text, key: witness, time: 1_764_064_800))
        #expect(cosigned.bytes != signed.bytes)
        #expect(Timestamping.stampedBytes(ofCheckpoint: cosigned, logKey: log.verifierKey) == signed.bytes)
        // Another key of the same name does not make its line part of what is covered.
        let impostor = try NoteSignerKey.generate(name: "bank.example/log", type: .ed25519)
        #expect(Timestamping.stampedBytes(ofCheckpoint: cosigned, logKey: impostor.verifierKey)
                == SignedNote(text: signed.text, signatures: []).bytes)
    }

    @Test func replyThatIsNoTimestampResponseIsRefused() {
        let garbage = Array("HTTP/1.1 200 OK but not DER".utf8)
        #expect(throws: EvidenceError.self) {
            _ = try Timestamping.requestToken(for: Array("note".utf8)) { _ in garbage }
        }
        #expect(throws: EvidenceError.self) {
            try Timestamping.verifyToken(garbage, for: Array("note".utf8), caFile: "/nonexistent/ca.pem")
        }
        #expect(Timestamping.generationTime(garbage) == nil)
        // What reaches the authority is a request over SHA-256 of the data
        // (the imprint sits at a fixed offset: the DER above, nonce aside).
        var sent: [UInt8] = []
        _ = try? Timestamping.requestToken(for: Array("note".utf8)) { request in sent = request; return [] }
        #expect(sent.first == 0x30 && sent.count > 56)
        #expect(Array(sent.dropFirst(24).prefix(32)) == DigestAlgorithm.sha256.hash(Array("note".utf8)))
    }
}
