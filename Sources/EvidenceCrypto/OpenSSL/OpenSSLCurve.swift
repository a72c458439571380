import EvidenceSupport
internal import COpenSSL

// The one file that calls OpenSSL's EC API. Above it, `P256Group` (a
// `PSIGroup` in EvidencePSI) whose elements are SEC1 compressed points (33 bytes).

/// NIST P-256 (cofactor 1, so every point but the identity generates the
/// group), with hash-to-curve P256_XMD:SHA-256_SSWU_RO_ of RFC 9380 §8.2.
/// The field arithmetic of the map is done with GMP (BigInt); point
/// addition, validation and scalar multiplication with OpenSSL, whose
/// P-256 multiplication runs in constant time.
public final class P256Group: @unchecked Sendable {
    // @unchecked: the EC_GROUP is built once and only read afterwards, which
    // OpenSSL allows from many threads.
    public static let shared = P256Group()

    public let name = "p256"
    public let elementByteCount = 33
    public let order: BigInt
    private let group: OpaquePointer
    private let p: BigInt
    private let a: BigInt
    private let b: BigInt
    private let z: BigInt
    private let sqrtExponent: BigInt        // (p + 1) / 4, as p ≡ 3 (mod 4)
    private let sqrtMinusZ: BigInt          // sqrt(10): −Z is a square mod p
    private let minusBOverA: BigInt
    private let bOverZA: BigInt
    private let domain: [UInt8]

    private init() {
        guard let g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else {
            fatalError("OpenSSL has no P-256: \(OpenSSLError.lastMessage())")
        }
        group = g
        order = BigInt(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!
        p = BigInt(hex: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")!
        a = p - BigInt(3)
        b = BigInt(hex: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b")!
        z = p - BigInt(10)
        sqrtExponent = (p + BigInt.one).shiftedRight(2)
        sqrtMinusZ = BigInt(10).powm(sqrtExponent, p)
        precondition((sqrtMinusZ * sqrtMinusZ).mod(p) == BigInt(10))
        minusBOverA = ((p - b) * a.inverse(p)!).mod(p)
        bOverZA = (b * (z * a).mod(p).inverse(p)!).mod(p)
        domain = Array("EVPSI-V01-CS01-with-P256_XMD:SHA-256_SSWU_RO_".utf8)
        precondition(BigInt(bigEndian: orderBytes()) == order, "P-256 order mismatch")
    }

    private func orderBytes() -> [UInt8] {
        let bn = EC_GROUP_get0_order(group)!
        var out = [UInt8](repeating: 0, count: 32)
        _ = BN_bn2binpad(bn, &out, 32)
        return out
    }

    public func randomExponent() -> BigInt {
        while true {
            let k = BigInt.random(below: order)
            if k.signum > 0 { return k }
        }
    }

    // MARK: RFC 9380 hash_to_curve

    /// map_to_curve_simple_swu (RFC 9380 §6.6.2) for one field element.
    func mapToCurve(_ u: BigInt) -> (BigInt, BigInt) {
        let u2 = (u * u).mod(p)
        let zu2 = (z * u2).mod(p)
        let denominator = (zu2 * zu2 + zu2).mod(p)
        let x1: BigInt
        if denominator.isZero {
            x1 = bOverZA
        } else {
            x1 = (minusBOverA * (BigInt.one + denominator.inverse(p)!)).mod(p)
        }
        func g(_ x: BigInt) -> BigInt { ((x * x + a) * x + b).mod(p) }
        let gx1 = g(x1)
        var x = x1
        var y = gx1.powm(sqrtExponent, p)
        if (y * y).mod(p) != gx1 {
            // gx1 is not a square, so y² = −gx1 (p ≡ 3 mod 4). SWU makes
            // g(Z·u²·x1) = (Z·u²)³·gx1, whose root is sqrt(−Z)·Z·u³·y:
            // one exponentiation per map instead of two.
            x = (zu2 * x1).mod(p)
            y = (sqrtMinusZ * zu2 * u).mod(p) * y
            y = y.mod(p)
        }
        if u.isOdd != y.isOdd { y = (p - y).mod(p) }
        return (x, y)
    }

    /// hash_to_field with count 2, L = 48 (RFC 9380 §5.2).
    func hashToField(_ message: [UInt8], domain: [UInt8]) -> (BigInt, BigInt) {
        let bytes = expandMessageXMD(message, domain: domain, length: 96)
        return (BigInt(bigEndian: Array(bytes[0..<48])).mod(p), BigInt(bigEndian: Array(bytes[48..<96])).mod(p))
    }

    /// hash_to_curve; returns the affine point (for tests against RFC 9380 J.1.1).
    public func hashToCurve(_ message: [UInt8], domain: [UInt8]) -> (x: BigInt, y: BigInt) {
        let point = hashToPoint(message, domain: domain)
        defer { EC_POINT_free(point) }
        let bytes = encode(point, compressed: false)
        return (BigInt(bigEndian: Array(bytes[1..<33])), BigInt(bigEndian: Array(bytes[33..<65])))
    }

    private func hashToPoint(_ message: [UInt8], domain: [UInt8]) -> OpaquePointer {
        let (u0, u1) = hashToField(message, domain: domain)
        let q0 = affine(mapToCurve(u0)), q1 = affine(mapToCurve(u1))
        defer { EC_POINT_free(q0); EC_POINT_free(q1) }
        let r = EC_POINT_new(group)!
        precondition(EC_POINT_add(group, r, q0, q1, nil) == 1, "EC_POINT_add failed")
        return r   // cofactor 1: clear_cofactor is the identity map
    }

    private func affine(_ xy: (BigInt, BigInt)) -> OpaquePointer {
        let octets = [4] + xy.0.bigEndianBytes(length: 32)! + xy.1.bigEndianBytes(length: 32)!
        let point = EC_POINT_new(group)!
        precondition(EC_POINT_oct2point(group, point, octets, octets.count, nil) == 1, "SSWU produced a point off the curve")
        return point
    }

    private func encode(_ point: OpaquePointer, compressed: Bool = true) -> [UInt8] {
        let form = compressed ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED
        var out = [UInt8](repeating: 0, count: compressed ? 33 : 65)
        let n = EC_POINT_point2oct(group, point, form, &out, out.count, nil)
        precondition(n == out.count, "EC_POINT_point2oct failed")
        return out
    }

    /// A point from its compressed encoding; oct2point checks it is on the
    /// curve, and with cofactor 1 that is membership in the group.
    private func decode(_ element: [UInt8]) throws -> OpaquePointer {
        guard element.count == elementByteCount else {
            throw EvidenceError.input("group element has \(element.count) bytes, expected \(elementByteCount)")
        }
        let point = EC_POINT_new(group)!
        guard EC_POINT_oct2point(group, point, element, element.count, nil) == 1,
              EC_POINT_is_at_infinity(group, point) == 0 else {
            EC_POINT_free(point)
            ERR_clear_error()
            throw EvidenceError.input("value is not an element of group p256")
        }
        return point
    }

    private func multiply(_ point: OpaquePointer, _ k: BigInt) -> [UInt8] {
        var scalar = k.mod(order).bigEndianBytes(length: 32)!
        defer { scalar.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let bn = BN_secure_new() ?? BN_new()!
        defer { BN_clear_free(bn) }
        BN_bin2bn(scalar, 32, bn)
        BN_set_flags(bn, BN_FLG_CONSTTIME)
        let result = EC_POINT_new(group)!
        defer { EC_POINT_free(result) }
        precondition(EC_POINT_mul(group, result, nil, point, bn, nil) == 1, "EC_POINT_mul failed")
        return encode(result)
    }

    public func blind(_ item: [UInt8], session: [UInt8], exponent k: BigInt) -> [UInt8] {
        var message = [UInt8(session.count >> 8), UInt8(session.count & 0xff)]
        message += session
        message += item
        let point = hashToPoint(message, domain: domain)
        defer { EC_POINT_free(point) }
        return multiply(point, k)
    }

    public func reblind(_ element: [UInt8], exponent k: BigInt) throws -> [UInt8] {
        let point = try decode(element)
        defer { EC_POINT_free(point) }
        return multiply(point, k)
    }

    public func validate(_ element: [UInt8]) throws {
        EC_POINT_free(try decode(element))
    }
}
