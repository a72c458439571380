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

    /// A token made by Tests/Independent/tsa_token.py: the TSA certificate
    /// valid from `notBefore` to `notAfter`, genTime and imprint as given.
    func dated(_ data: [UInt8], genTime: String, alg: String = "sha256",
               notBefore: String = "20000101000000Z", notAfter: String = "20991231000000Z") throws -> (token: [UInt8], ca: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-tsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dataFile = dir.appendingPathComponent("data"), out = dir.appendingPathComponent("token.tsr")
        try Data(data).write(to: dataFile)
        _ = try IndependentCheck.run("tsa_token.py", input: Data(), arguments: [
            dir.appendingPathComponent("tsa").path, dataFile.path, out.path, "--gen-time", genTime, "--alg", alg,
            "--not-before", notBefore, "--not-after", notAfter], requires: ["cryptography"])
        return ([UInt8](try Data(contentsOf: out)), dir.appendingPathComponent("tsa/ca.pem").path)
    }

    static func generalized(_ seconds: Int64) -> String {
        RFC3339.format(epochSeconds: seconds).filter { $0.isNumber } + "Z"
    }

    /// Evidence outlives TSA certificates: a token is verified as of its
    /// genTime (as `openssl ts -verify -attime`), so a TSA certificate that
    /// has expired since still verifies a token it signed while valid.
    @Test func tokenOfATSAWhoseCertificateHasSinceExpiredVerifiesAtGenTime() throws {
        let data = Array("checkpoint stamped in 2024".utf8)
        let (token, ca) = try dated(data, genTime: "20240601120000Z", notBefore: "20240101000000Z", notAfter: "20250101000000Z")
        try Timestamping.verifyToken(token, for: data, caFile: ca)
        #expect(Timestamping.generationTime(token) == "2024-06-01T12:00:00Z")
        // Not over other data.
        #expect(throws: EvidenceError.self) { try Timestamping.verifyToken(token, for: data + [0x0a], caFile: ca) }
    }

    /// A genTime outside the TSA certificate's validity is refused: after it
    /// expired, or before it was issued (by a certificate still valid today,
    /// which a check at today's date accepts).
    @Test func genTimeOutsideTheTSACertificatesValidityIsRefused() throws {
        let data = Array("checkpoint".utf8)
        for (genTime, notAfter) in [("20250601120000Z", "20250101000000Z"), ("20231201120000Z", "20991231000000Z")] {
            let (token, ca) = try dated(data, genTime: genTime, notBefore: "20240101000000Z", notAfter: notAfter)
            do {
                try Timestamping.verifyToken(token, for: data, caFile: ca)
                Issue.record("genTime \(genTime) accepted")
            } catch let e as EvidenceError {
                #expect(e.kind == .failure && e.message.contains("at its genTime"), "\(e.message)")
            }
        }
    }

    /// A genTime in the future beyond the skew is refused; within it, accepted.
    @Test func genTimeInTheFutureIsRefused() throws {
        let data = Array("checkpoint".utf8)
        let now = Int64(Date().timeIntervalSince1970)
        let (ahead, ca) = try dated(data, genTime: Self.generalized(now + 86_400))
        do {
            try Timestamping.verifyToken(ahead, for: data, caFile: ca)
            Issue.record("a genTime a day ahead accepted")
        } catch let e as EvidenceError {
            #expect(e.kind == .failure && e.message.contains("in the future"), "\(e.message)")
        }
        let (close, ca2) = try dated(data, genTime: Self.generalized(now + 60))
        try Timestamping.verifyToken(close, for: data, caFile: ca2)
    }

    /// MD5 and SHA-1 imprints are refused, however valid the TSA's signature.
    @Test(arguments: ["md5", "sha1"])
    func brokenImprintDigestsAreRefused(alg: String) throws {
        let data = Array("checkpoint".utf8)
        let (token, ca) = try dated(data, genTime: Self.generalized(Int64(Date().timeIntervalSince1970) - 60), alg: alg)
        do {
            try Timestamping.verifyToken(token, for: data, caFile: ca)
            Issue.record("\(alg) imprint accepted")
        } catch let e as EvidenceError {
            #expect(e.kind == .failure && e.message.contains("imprint uses"), "\(e.message)")
        }
        let (sha512, ca2) = try dated(data, genTime: Self.generalized(Int64(Date().timeIntervalSince1970) - 60), alg: "sha512")
        try Timestamping.verifyToken(sha512, for: data, caFile: ca2)
    }
}
