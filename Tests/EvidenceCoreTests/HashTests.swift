import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// `Hash` (EvidenceLog/Merkle/Hash.swift): 32 bytes by construction, its
/// length checked where bytes come in from outside.
@Suite struct HashTests {
    static let rootHex = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"

    /// `<` is the bytes' lexicographic order, decided in every word (the
    /// contract index sorts keys by it and reads their bits in that order).
    @Test func orderIsTheBytesOrder() throws {
        var hashes = (0..<200).map { _ in Hash(SecureRandom.bytes(32))! }
        for i in 0..<32 {   // pairs differing only in byte i, either way
            var a = [UInt8](repeating: 7, count: 32), b = a
            a[i] = 1; b[i] = 2
            hashes += [Hash(a)!, Hash(b)!]
        }
        for a in hashes.prefix(64) {
            for b in hashes {
                #expect((a < b) == a.bytes.lexicographicallyPrecedes(b.bytes), "\(a.hex) < \(b.hex)")
            }
        }
    }

    @Test func hexAndBase64RoundTrip() throws {
        let h = try #require(Hash(hex: Self.rootHex))
        #expect(h.hex == Self.rootHex)
        #expect(h.description == Self.rootHex)
        #expect(h.count == 32 && Array(h) == Hex.decode(Self.rootHex)!)
        #expect(Hash(base64: h.base64) == h)
        #expect(h.base64 == Base64.encode(h.bytes))
    }

    @Test func refusesAnyLengthButThirtyTwo() {
        for n in [0, 1, 31, 33, 64] {
            #expect(Hash([UInt8](repeating: 7, count: n)) == nil, "\(n) bytes")
            #expect(throws: ProofError.badHashSize) { try Hash(checking: [UInt8](repeating: 7, count: n)) }
            #expect(Hash(base64: Base64.encode([UInt8](repeating: 7, count: n))) == nil, "\(n) bytes of base64")
        }
        #expect(throws: Never.self) { try Hash(checking: [UInt8](repeating: 7, count: 32)) }
    }

    /// One spelling per hash: uppercase or short hex and non-canonical
    /// base64 are refused, as the chain and checkpoints require.
    @Test func refusesNonCanonicalSpellings() throws {
        #expect(Hash(hex: Self.rootHex.uppercased()) == nil)
        #expect(Hash(hex: String(Self.rootHex.dropLast(2))) == nil)
        #expect(Hash(hex: Self.rootHex + "00") == nil)
        #expect(Hash(hex: "g" + Self.rootHex.dropFirst()) == nil)
        let b64 = try #require(Hash(hex: Self.rootHex)).base64
        #expect(Hash(base64: b64.replacingOccurrences(of: "=", with: "")) == nil)
        #expect(Hash(base64: b64 + "\n") == nil)
    }

    @Test func splitsWholeHashesOnly() throws {
        let a = Merkle.leafHash([1]), b = Merkle.leafHash([2])
        #expect(Hash.split(a.bytes + b.bytes) == [a, b])
        #expect(Hash.split([UInt8]()) == [])
        #expect(Hash.split(a.bytes + [0]) == nil)
        #expect(Hash.split(Array((a.bytes + b.bytes)[1...])) == nil)
    }

    @Test func isMutableByByteAndComparesConstantTime() {
        let a = Merkle.leafHash([1])
        var b = a
        #expect(constantTimeEqual(a, b))
        b[31] ^= 1
        #expect(b != a && !constantTimeEqual(a, b))
        #expect(Set([a, b, a]).count == 2)
    }

    /// The raw-byte entry points keep refusing a wrong length as
    /// `.badHashSize`, before any hashing (a proof from outside).
    @Test func rawProofEntryPointsRefuseWrongLengths() throws {
        let leaf = Merkle.leafHash([9])
        #expect(throws: ProofError.badHashSize) {
            try Merkle.verifyInclusion(leafHash: Array("WrongLeaf".utf8), index: 0, treeSize: 1, path: [], root: leaf.bytes)
        }
        #expect(throws: ProofError.badHashSize) {
            try Merkle.verifyInclusion(leafHash: leaf.bytes, index: 0, treeSize: 2, path: [[]], root: leaf.bytes)
        }
        #expect(throws: ProofError.indexOutOfRange(index: 1, size: 1)) {
            try Merkle.verifyInclusion(leafHash: [], index: 1, treeSize: 1, path: [], root: [])
        }
        #expect(throws: Never.self) {
            try Merkle.verifyInclusion(leafHash: leaf.bytes, index: 0, treeSize: 1, path: [], root: leaf.bytes)
        }
        #expect(throws: ProofError.badHashSize) {
            try Merkle.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: Array("WrongRoot".utf8), newRoot: leaf.bytes, path: [])
        }
        #expect(throws: ProofError.sizeDecreased(from: 2, to: 1)) {
            try Merkle.verifyConsistency(oldSize: 2, newSize: 1, oldRoot: [], newRoot: [], path: [])
        }
    }
}
