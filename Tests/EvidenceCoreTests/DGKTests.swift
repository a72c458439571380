import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidencePSI

/// A shared small DGK key (768 bits, t = 96): keygen at 2048 bits is slow
/// in debug builds; one test makes a full-size key.
let testDGKKey = try! DGKPrivateKey.generate(bits: 768, comparisonBits: 64, allowInsecure: true)
let testResponder = try! PrivateComparison.Responder(testDGKKey.publicKey, answers: 1000)

@Suite struct DGKTests {
    let key = testDGKKey
    var pk: DGKPublicKey { key.publicKey }

    @Test func encryptsAndDecryptsHomomorphically() throws {
        for m in [0, 1, 2, 100, 192] {
            #expect(try key.decrypt(key.encrypt(m)) == m)
            #expect(try key.decryptsToZero(key.encrypt(m)) == (m == 0))
        }
        // Enc(3)·Enc(5) = Enc(8); Enc(3)^−1 = Enc(−3) = Enc(u − 3).
        let c = (key.encrypt(3) * key.encrypt(5)).mod(pk.n)
        #expect(try key.decrypt(c) == 8)
        #expect(try key.decrypt(key.encrypt(3).inverse(pk.n)!) == pk.u - 3)
        // Two encryptions of one bit differ (randomised).
        #expect(key.encrypt(1) != key.encrypt(1))
    }

    /// Every window the sizing can choose (4…12 bits: few to many uses),
    /// exponent lengths that are and are not multiples of it.
    @Test(arguments: [1, 300, 5_000, 100_000, 10_000_000])
    func fixedBaseTableAgreesWithPowm(uses: Int) throws {
        for bits in [pk.randomnessBits, 97] {
            let table = try FixedBaseTable(base: pk.h, modulus: pk.n, exponentBits: bits, uses: uses)
            for e in [BigInt.zero, BigInt.one, BigInt(255), BigInt(256), BigInt(4095), BigInt(4096), BigInt.random(bits: bits),
                      BigInt.one.shiftedLeft(bits) - BigInt.one] {
                #expect(table.power(e) == pk.h.powm(e, pk.n), "window \(table.window), \(bits) bits")
            }
        }
        #expect(FixedBaseTable.window(exponentBits: 576, modulusBits: 2048, uses: 1280) == 8)
    }

    @Test func blindingPowerAgreesWithPowm() throws {
        let c = key.encrypt(7)
        for e in [1, 2, 3, 128, 191, 192] {
            #expect(PrivateComparison.Responder.power(c, BigInt(e), bits: 8, pk.n) == c.powm(BigInt(e), pk.n))
        }
    }

    @Test func fullSizeKeyHasTheStatedParameters() throws {
        let k = try DGKPrivateKey.generate(bits: 2048, comparisonBits: 64)
        #expect(k.publicKey.n.bitWidth == 2048)
        #expect(k.publicKey.t == 224 && k.vp.bitWidth == 224 && k.vq.bitWidth == 224)
        #expect(k.publicKey.u == 193)   // the smallest prime ≥ 3·64
        #expect(try k.decrypt(k.encrypt(1)) == 1)
        // Its public part passes the checks of the party without the key.
        _ = try DGKPublicKey(json: k.publicKey.json(), comparisonBits: 64, allowInsecure: false)
        #expect(try DGKPrivateKey(json: k.json(), comparisonBits: 64).publicKey.n == k.publicKey.n)
    }

    /// Weak or malformed parameters from a peer are refused, the small ones
    /// only when test keys are not allowed.
    @Test func weakParametersAreRefused() throws {
        func check(_ n: BigInt? = nil, g: BigInt? = nil, h: BigInt? = nil, u: Int? = nil, t: Int? = nil, bits: Int = 64, insecure: Bool) throws {
            _ = try DGKPublicKey(n: n ?? pk.n, g: g ?? pk.g, h: h ?? pk.h, u: u ?? pk.u, t: t ?? pk.t,
                                 comparisonBits: bits, allowInsecure: insecure)
        }
        try check(insecure: true)
        #expect(throws: EvidenceError.self) { try check(insecure: false) }               // 768 bits
        #expect(throws: EvidenceError.self) { try check(t: 8, insecure: true) }          // t too small even for tests
        #expect(throws: EvidenceError.self) { try check(u: 195, insecure: true) }        // u not prime
        #expect(throws: EvidenceError.self) { try check(u: 191, bits: 64, insecure: true) } // u < 3ℓ: c_i could wrap to 0
        #expect(throws: EvidenceError.self) { try check(g: .one, insecure: true) }
        #expect(throws: EvidenceError.self) { try check(h: pk.n - BigInt.one, insecure: true) }
        #expect(throws: EvidenceError.self) { try check(h: pk.g, insecure: true) }
        #expect(throws: EvidenceError.self) { try check(g: key.p, insecure: true) }      // not a unit
        #expect(throws: EvidenceError.self) { try check(BigInt(3) * key.q, insecure: true) } // rule well-formed-modulus
        // t below 224 with a 2048-bit modulus is refused without test keys.
        let big = try DGKPrivateKey.generate(bits: 2048, comparisonBits: 64)
        #expect(throws: EvidenceError.self) {
            try DGKPublicKey(n: big.publicKey.n, g: big.publicKey.g, h: big.publicKey.h, u: big.publicKey.u, t: 160,
                             comparisonBits: 64, allowInsecure: false)
        }
    }

    /// An element outside ⟨g, h⟩ mod p is refused, not read as "nonzero".
    @Test func answerOutsideTheSubgroupIsRefused() throws {
        var refused = 0
        for _ in 0..<4 {
            let x = BigInt.randomUnit(modulo: pk.n)
            do { _ = try key.decryptsToZero(x) } catch { refused += 1 }
        }
        #expect(refused == 4)
        #expect(throws: EvidenceError.self) { try key.decryptsToZero(key.p) }
    }

    /// An answer of encryptions of zero (A can make them with B's public
    /// key) is refused by rule one-zero.
    @Test func answerOfZerosIsRefused() throws {
        let zeros = (0..<8).map { _ in key.encrypt(0) }
        #expect(throws: EvidenceError.self) { try PrivateComparison.result(zeros, key: key) }
        #expect(try PrivateComparison.result([key.encrypt(0)] + (0..<7).map { _ in key.encrypt(5) }, key: key) == false)
    }
}
