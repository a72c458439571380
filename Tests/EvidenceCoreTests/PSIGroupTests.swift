import Foundation
import Testing
import PythonHelpers
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct PSIGroupTests {
    /// RFC 7919 A.1/A.2 and RFC 3526 §3 define p from e and π; gmpy2
    /// recomputes them independently of the hex we carry.
    @Test func groupConstantsMatchTheirDefinitions() throws {
        let program = """
        import gmpy2
        from gmpy2 import mpz
        gmpy2.get_context().precision = 4000
        fl = lambda x: mpz(gmpy2.floor(x))
        e, pi = gmpy2.exp(1), gmpy2.const_pi()
        print(format(int(2**2048 - 2**1984 + (fl(2**1918*e) + 560316) * 2**64 - 1), 'x'))
        print(format(int(2**3072 - 2**3008 + (fl(2**2942*e) + 2625351) * 2**64 - 1), 'x'))
        print(format(int(2**2048 - 2**1984 - 1 + 2**64 * (fl(2**1918*pi) + 124476)), 'x'))
        """
        let out = try runPython(program, requires: ["gmpy2"])
        #expect(out == [ModPGroup.ffdhe2048.p.hex, ModPGroup.ffdhe3072.p.hex, ModPGroup.modp2048.p.hex])
        for g in [ModPGroup.ffdhe2048, ModPGroup.modp2048] {
            #expect(g.p.probablyPrime(reps: 10) > 0 && g.order.probablyPrime(reps: 10) > 0)
        }
    }

    /// RFC 9380 Appendix K.1 (expand_message_xmd, SHA-256, DST "QUUX-V01-CS02-with-expander-SHA256-128").
    @Test func expandMessageXMDKnownAnswers() {
        let dst = Array("QUUX-V01-CS02-with-expander-SHA256-128".utf8)
        #expect(Hex.encode(expandMessageXMD([], domain: dst, length: 0x20))
                == "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235")
        #expect(Hex.encode(expandMessageXMD(Array("abc".utf8), domain: dst, length: 0x20))
                == "d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615")
    }

    @Test func blindingCommutesAndStaysInTheGroup() throws {
        let g = ModPGroup.ffdhe2048
        let session = SecureRandom.bytes(16)
        let a = g.randomExponent(), b = g.randomExponent()
        let item = Array("[\"C2025-0001\"]".utf8)
        let ab = try g.reblind(g.blind(item, session: session, exponent: a), exponent: b)
        let ba = try g.reblind(g.blind(item, session: session, exponent: b), exponent: a)
        #expect(ab == ba)
        #expect(ab.count == 256)
        try g.validate(ab)
        // Unblinding with the inverse exponent recovers H(x)^a.
        #expect(try g.reblind(ab, exponent: g.inverse(of: b)) == g.blind(item, session: session, exponent: a))
        // Another session or item gives an unrelated element.
        #expect(g.blind(item, session: SecureRandom.bytes(16), exponent: a) != g.blind(item, session: session, exponent: a))
        #expect(g.hashToElement(item, session: session).jacobi(g.p) == 1)
    }
}

@Suite struct P256GroupTests {
    let g = P256Group.shared

    /// RFC 9380 Appendix J.1.1, P256_XMD:SHA-256_SSWU_RO_.
    @Test(arguments: [
        ("", "2c15230b26dbc6fc9a37051158c95b79656e17a1a920b11394ca91c44247d3e4",
         "8a7a74985cc5c776cdfe4b1f19884970453912e9d31528c060be9ab5c43e8415"),
        ("abc", "0bb8b87485551aa43ed54f009230450b492fead5f1cc91658775dac4a3388a0f",
         "5c41b3d0731a27a7b14bc0bf0ccded2d8751f83493404c84a88e71ffd424212e"),
    ])
    func hashToCurveKnownAnswers(message: String, x: String, y: String) {
        let dst = Array("QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_".utf8)
        let point = g.hashToCurve(Array(message.utf8), domain: dst)
        #expect(point.x.bigEndianBytes(length: 32).map(Hex.encode) == x)
        #expect(point.y.bigEndianBytes(length: 32).map(Hex.encode) == y)
    }

    @Test func hashToFieldKnownAnswer() {
        let dst = Array("QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_".utf8)
        let (u0, u1) = g.hashToField([], domain: dst)
        #expect(u0.hex == "ad5342c66a6dd0ff080df1da0ea1c04b96e0330dd89406465eeba11582515009")
        #expect(u1.hex == "8c0f1d43204bd6f6ea70ae8013070a1518b43873bcd850aafa0a9e220e2eea5a")
    }

    @Test func blindingCommutesAndInvalidPointsAreRefused() throws {
        let session = SecureRandom.bytes(16)
        let a = g.randomExponent(), b = g.randomExponent()
        let item = Array("[\"x\"]".utf8)
        let ab = try g.reblind(g.blind(item, session: session, exponent: a), exponent: b)
        #expect(ab == (try g.reblind(g.blind(item, session: session, exponent: b), exponent: a)))
        #expect(try g.reblind(ab, exponent: g.inverse(of: b)) == g.blind(item, session: session, exponent: a))
        var bad = ab
        bad[0] = 0x05
        #expect(throws: EvidenceError.self) { try g.validate(bad) }
        // An x coordinate not below p is refused, as is a lone tag byte.
        #expect(throws: EvidenceError.self) { try g.validate([0x02] + [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: EvidenceError.self) { try g.validate([0x00]) }
    }
}

extension P256GroupTests {
    /// Random field elements through the map land on the curve with the
    /// sign of u; about half of them take the non-square branch.
    @Test func mapToCurveOnRandomInputs() {
        let p = BigInt(hex: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")!
        let b = BigInt(hex: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b")!
        for _ in 0..<200 {
            let u = BigInt.random(bits: 255)
            let (x, y) = g.mapToCurve(u)
            #expect((y * y).mod(p) == (x * x * x - x * 3 + b).mod(p))
            #expect(u.isOdd == y.isOdd)
        }
    }
}
