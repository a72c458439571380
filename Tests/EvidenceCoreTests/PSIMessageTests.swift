import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct PSIMessageTests {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("psi-\(UUID().uuidString)-\(name)").path
    }

    func write(_ path: String, session: String = String(repeating: "0", count: 32), elements: [[UInt8]]) throws {
        let w = try PSIMessageWriter(channel: PSIChannel(insecureUnsignedWithSigner: nil), to: .file(path), header: PSIHeader(kind: "psi-request", session: session, from: "b",
                                                                   group: "ffdhe2048", mode: "intersection"))
        w.declare("q")
        for e in elements { try w.element("q", e) }
        try w.finish()
    }

    @Test func roundTripWithLocations() throws {
        let path = temporaryPath("m")
        defer { unlink(path) }
        try write(path, elements: [[1, 2], [3, 4], [5, 6]])
        let r = try PSIMessageReader(channel: PSIChannel(insecureUnsignedWithSigner: nil), source: .file(path), expect: PSIExpectation(kinds: ["psi-request"], from: "b"))
        #expect(r.header.group == "ffdhe2048")
        var seen: [PSIElement] = []
        try r.forEachChunk(section: "q", length: 2, chunk: 2) { seen += $0 }
        #expect(seen.map(\.bytes) == [[1, 2], [3, 4], [5, 6]])
        #expect(seen.map(\.location) == ["\(path):2", "\(path):3", "\(path):4"])
        #expect(try r.next() == nil)
        #expect(r.ended)
    }

    @Test func emptySectionStillCounts() throws {
        let path = temporaryPath("e")
        defer { unlink(path) }
        try write(path, elements: [])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("{\"end\":{\"q\":0},\"sha256\":"))
        let r = try PSIMessageReader(channel: PSIChannel(insecureUnsignedWithSigner: nil), source: .file(path), expect: PSIExpectation(kinds: ["psi-request"], from: "b"))
        #expect(try r.next() == nil)
    }

    @Test func expectationsAreEnforced() throws {
        let path = temporaryPath("x")
        defer { unlink(path) }
        try write(path, elements: [[1]])
        let cases: [(PSIExpectation, String)] = [
            (PSIExpectation(kinds: ["psi-response"], from: "b"), "message is a psi-request, expected psi-response"),
            (PSIExpectation(kinds: ["psi-request"], from: "a"), "message comes from party b, expected party a"),
            (PSIExpectation(kinds: ["psi-request"], from: "b", session: String(repeating: "1", count: 32)), "message belongs to session"),
            (PSIExpectation(kinds: ["psi-request"], from: "b", group: "p256"), "message uses group ffdhe2048"),
        ]
        for (expectation, message) in cases {
            do {
                _ = try PSIMessageReader(channel: PSIChannel(insecureUnsignedWithSigner: nil), source: .file(path), expect: expectation)
                Issue.record("accepted a message against \(expectation)")
            } catch let error as EvidenceError {
                #expect(error.kind == .input)
                #expect(error.description.contains("\(path):1: \(message)"), "\(error)")
            }
        }
    }

    @Test func failedWriteLeavesNoFile() throws {
        let path = temporaryPath("never")
        do {
            let w = try PSIMessageWriter(channel: PSIChannel(insecureUnsignedWithSigner: nil), to: .file(path), header: PSIHeader(kind: "k", session: String(repeating: "0", count: 32),
                                                                       from: "a", group: "g", mode: "m"))
            try w.element("q", [1])
            // Dropped without finish(), as when a later check throws.
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix(URL(fileURLWithPath: path).lastPathComponent) }
        #expect(leftovers.isEmpty)
    }

    @Test func secretFilesArePrivate() throws {
        let path = temporaryPath("secret")
        defer { unlink(path) }
        try SecretFile.write(path, [1, 2, 3])
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        // Never written over an existing file: the old contents stay.
        #expect(throws: EvidenceError.self) { try SecretFile.write(path, [4, 5, 6]) }
        #expect(try SecretFile.read(path) == [1, 2, 3])
        chmod(path, 0o604)
        #expect(throws: EvidenceError.self) { try SecretFile.read(path) }
    }
}

@Suite struct PSIItemTests {
    @Test func itemIsTheCanonicalArrayOfKeyFields() throws {
        let o = try #require(JSON.parse("{\"b\":1.0,\"a\":\"x\",\"c\":{\"z\":1,\"y\":2}}").objectValue)
        #expect(String(decoding: try PSIItemReader.item(of: o, fields: ["a", "b", "c"], at: "t:1"), as: UTF8.self)
                == "[\"x\",1,{\"y\":2,\"z\":1}]")
        #expect(throws: EvidenceError.self) { try PSIItemReader.item(of: o, fields: ["missing"], at: "t:1") }
    }

    @Test func bucketsPartitionAndAreKeyed() {
        let items = (0..<400).map { Array("[\"C-\($0)\"]".utf8) }
        let plain = PSIItemOptions(buckets: 4, bucket: 0)
        let keyed = PSIItemOptions(buckets: 4, bucket: 0, bucketKey: Array("k".utf8))
        let counts = (0..<4).map { b in items.filter { plain.bucket(of: $0) == b }.count }
        #expect(counts.reduce(0, +) == 400)
        #expect(counts.allSatisfy { $0 > 60 })       // roughly uniform
        #expect(items.map(plain.bucket(of:)) != items.map(keyed.bucket(of:)))
        #expect(PSIItemOptions(buckets: 1).bucket(of: items[0]) == 0)
    }

    @Test func parallelMapKeepsOrderAndReportsErrors() throws {
        let input = Array(0..<1000)
        #expect(try parallelMap(input) { $0 * 2 } == input.map { $0 * 2 })
        #expect(throws: EvidenceError.self) {
            try parallelMap(input) { i -> Int in
                if i == 777 { throw EvidenceError.input("bad") }
                return i
            }
        }
    }
}

@Suite struct AEADAndJWKTests {
    @Test func aesGCMRoundTripAndTamper() throws {
        let key = SecureRandom.bytes(32)
        let sealed = try AES256GCM.seal(Array("\"ARB-2026-118\"".utf8), key: key, aad: [1, 2])
        #expect(AES256GCM.open(sealed, key: key, aad: [1, 2]) == Array("\"ARB-2026-118\"".utf8))
        #expect(AES256GCM.open(sealed, key: key, aad: [1, 3]) == nil)
        var flipped = sealed
        flipped[14] ^= 1
        #expect(AES256GCM.open(flipped, key: key, aad: [1, 2]) == nil)
        #expect(AES256GCM.open(sealed, key: SecureRandom.bytes(32), aad: [1, 2]) == nil)
        #expect(try AES256GCM.open(AES256GCM.seal([], key: key, aad: []), key: key, aad: []) == [])
    }

    @Test func base64URLAsPhe() {
        // phe.util.int_to_base64(65537) == "AQAB"; 255 -> "_w"
        #expect(Base64URL.encode(BigInt(65537).bigEndianBytes) == "AQAB")
        #expect(Base64URL.encode([0xff]) == "_w")
        #expect(Base64URL.decode("_w") == [0xff])
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("a+b/") == nil)
    }

    @Test func jwkRoundTrip() throws {
        let key = testPaillierKey
        let back = try PaillierPrivateKey(jwk: key.jwk(), allowInsecure: true)
        #expect(back.publicKey.n == key.publicKey.n)
        #expect(throws: EvidenceError.self) { try PaillierPrivateKey(jwk: key.jwk()) }     // 768 bits refused
        #expect(throws: EvidenceError.self) { try PaillierPublicKey(jwk: key.publicKey.jwk()) }
        let c = try key.publicKey.encrypt(-5)
        let parsed = try key.publicKey.ciphertext(json: key.publicKey.json(c))
        #expect(try key.decrypt(parsed) == BigInt(-5))
        #expect(throws: EvidenceError.self) { try key.publicKey.ciphertext(json: ["v": "12", "e": -32]) }
    }
}
