import Foundation
import Testing
import PythonHelpers
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// A shared small key: 2048-bit keygen is slow in debug builds, and the
/// maths does not depend on the size (one test covers the 2048-bit path).
let testPaillierKey = try! PaillierPrivateKey.generate(bits: 768, allowInsecure: true)

@Suite struct PaillierTests {
    let key = testPaillierKey
    var pk: PaillierPublicKey { key.publicKey }

    @Test func refusesSmallKeysUnlessInsecureAllowed() throws {
        #expect(throws: EvidenceError.self) { try PaillierPrivateKey.generate(bits: 1024) }
        let p = BigInt.randomPrime(bits: 256), q = BigInt.randomPrime(bits: 256)
        #expect(throws: EvidenceError.self) { try PaillierPrivateKey(p: p, q: q) }
        #expect(throws: EvidenceError.self) { try PaillierPrivateKey(p: p, q: p, allowInsecure: true) }
    }

    /// The party that does not hold the key checks its modulus (issue 23):
    /// a factor 3 would let the key holder learn a ≡ b (mod 3) from an
    /// equality answer, and a prime or a perfect power is no RSA modulus.
    /// Each is refused naming the rule, whatever the key's size.
    @Test func malformedModulusFromAPeerIsRefused() throws {
        let q2047 = BigInt.randomPrime(bits: 2047)
        let p1024 = BigInt.randomPrime(bits: 1024)
        let cases: [(String, BigInt)] = [
            ("3·q", BigInt(3) * q2047),
            ("prime", BigInt.randomPrime(bits: 2048)),
            ("p²", p1024 * p1024),
            ("small factor", BigInt(1_048_573) * BigInt.randomPrime(bits: 2030)),
            ("even", p1024 * p1024 * BigInt(2)),
        ]
        for (name, n) in cases {
            let jwk: JSONValue = .object(["kty": "DAJ", "alg": "PAI-GN1", "n": .string(Base64URL.encode(n.bigEndianBytes))])
            do {
                _ = try PaillierPublicKey(jwk: jwk)
                Issue.record("\(name): accepted")
            } catch let e as EvidenceError {
                #expect(e.kind == .input, "\(name)")
                #expect(e.message.contains("well-formed-modulus") || name == "even", "\(name): \(e.message)")
            }
        }
        // A real key passes.
        let good = BigInt.randomPrime(bits: 1024) * BigInt.randomPrime(bits: 1024)
        _ = try PaillierPublicKey(jwk: .object(["kty": "DAJ", "n": .string(Base64URL.encode(good.bigEndianBytes))]))
    }

    @Test(arguments: [0, 1, -1, 42, -123456789, Int.max, Int.min + 1])
    func roundTrip(value: Int) throws {
        let c = try pk.encrypt(value)
        #expect(try key.decrypt(c) == BigInt(value))
        #expect(try key.decrypt(try key.encrypt(BigInt(value))) == BigInt(value))
        #expect(try key.decrypt(pk.rerandomise(c)) == BigInt(value))
        #expect(pk.rerandomise(c) != c)
    }

    @Test func extremesOfTheEncoding() throws {
        #expect(try key.decrypt(try pk.encrypt(pk.maxInt)) == pk.maxInt)
        #expect(try key.decrypt(try pk.encrypt(-pk.maxInt)) == -pk.maxInt)
        #expect(throws: EvidenceError.self) { try pk.encrypt(pk.maxInt + 1) }
        // A residue in the gap between positives and negatives is an overflow.
        let gap = PaillierCiphertext((pk.n * (pk.maxInt + 5) + 1).mod(pk.nSquare))
        #expect(throws: EvidenceError.self) { try key.decrypt(gap) }
    }

    @Test func homomorphicOperations() throws {
        for _ in 0..<20 {
            let a = BigInt.random(bits: 60) - BigInt.random(bits: 60)
            let b = BigInt.random(bits: 60) - BigInt.random(bits: 60)
            let k = BigInt.random(bits: 30) - BigInt.random(bits: 30)
            let ca = try pk.encrypt(a), cb = try pk.encrypt(b)
            #expect(try key.decrypt(pk.add(ca, cb)) == a + b)
            #expect(try key.decrypt(try pk.addPlain(ca, b)) == a + b)
            #expect(try key.decrypt(pk.multiply(ca, by: k)) == a * k)
            #expect(try key.decrypt(pk.negate(ca)) == -a)
        }
    }

    @Test func validatesReceivedCiphertexts() throws {
        #expect(throws: EvidenceError.self) { try pk.validate(BigInt.zero) }
        #expect(throws: EvidenceError.self) { try pk.validate(pk.nSquare) }
        #expect(throws: EvidenceError.self) { try pk.validate(key.p) }
        let c = try pk.encrypt(5)
        #expect(try pk.ciphertext(bytes: pk.bytes(c)) == c)
        #expect(throws: EvidenceError.self) { try pk.ciphertext(bytes: Array(pk.bytes(c).dropFirst())) }
    }

    /// Swift encrypts, phe decrypts and adds its own ciphertext; Swift decrypts the sum.
    @Test func interoperatesWithPythonPaillier() throws {
        let a = BigInt(-987654321), b = BigInt(123456789012)
        let ca = try pk.encrypt(a)
        let program = """
        from phe import paillier
        n, p, q = \(pk.n), \(key.p), \(key.q)
        pub = paillier.PaillierPublicKey(n)
        priv = paillier.PaillierPrivateKey(pub, p, q)
        ca = paillier.EncryptedNumber(pub, \(ca.value), 0)
        print(priv.decrypt(ca))
        cb = pub.encrypt(\(b))
        print(cb.ciphertext())
        print((ca + cb).ciphertext())
        """
        let out = try runPython(program, requires: ["phe", "gmpy2"])
        try #require(out.count == 3)
        #expect(out[0] == a.description)
        let cb = try pk.validate(try #require(BigInt(out[1])))
        #expect(try key.decrypt(cb) == b)
        let sum = try pk.validate(try #require(BigInt(out[2])))
        #expect(try key.decrypt(sum) == a + b)
        #expect(try key.decrypt(pk.add(ca, cb)) == a + b)
    }

    @Test func fullSizeKey() throws {
        let big = try PaillierPrivateKey.generate(bits: 2048)
        #expect(big.publicKey.bits == 2048)
        #expect(try big.decrypt(try big.publicKey.encrypt(-7)) == BigInt(-7))
    }
}
