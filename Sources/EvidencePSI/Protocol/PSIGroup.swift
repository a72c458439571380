import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// A prime-order group in which DH-PSI blinds items: `blind` hashes an item
/// into the group and raises it to a secret exponent, `reblind` raises a
/// peer's element (after checking it belongs to the group). Elements travel
/// as fixed-length byte strings, so messages never reveal more than counts.
public protocol PSIGroup: Sendable {
    /// The name used on the command line and in message headers.
    var name: String { get }
    /// Length of every encoded element.
    var elementByteCount: Int { get }
    /// The prime order of the group (exponents are taken modulo it).
    var order: BigInt { get }
    /// A fresh secret exponent.
    func randomExponent() -> BigInt
    /// H(session, item)^k, encoded.
    func blind(_ item: [UInt8], session: [UInt8], exponent k: BigInt) -> [UInt8]
    /// element^k for an element received from the peer; throws an input
    /// error unless `element` is the encoding of a group element ≠ identity.
    func reblind(_ element: [UInt8], exponent k: BigInt) throws -> [UInt8]
    /// Throws an input error unless `element` encodes a group element ≠ identity.
    func validate(_ element: [UInt8]) throws
}

extension PSIGroup {
    /// k^−1 mod order: the exponent that undoes a blinding by k.
    public func inverse(of k: BigInt) -> BigInt { k.inverse(order)! }

    /// Every remaining item of `items` blinded with `k` on all cores, sorted,
    /// so that the order of the elements sent says nothing of the input order.
    public func blindSorted(_ items: PSIItemReader, session: [UInt8], exponent k: BigInt, chunk: Int) throws -> [[UInt8]] {
        var blinded: [[UInt8]] = []
        while true {
            let batch = try items.nextChunk(chunk)
            if batch.isEmpty { break }
            blinded += try parallelMap(batch) { blind($0.item, session: session, exponent: k) }
        }
        blinded.sort { $0.lexicographicallyPrecedes($1) }
        return blinded
    }
}

/// P-256 (EvidenceCrypto) as a DH-PSI group.
extension P256Group: PSIGroup {}

/// The groups evpsi offers, by name.
public enum PSIGroups {
    public static let names = ["ffdhe2048", "ffdhe3072", "modp2048", "p256"]
    public static let defaultName = "ffdhe2048"

    public static func named(_ name: String) throws -> any PSIGroup {
        switch name {
        case "ffdhe2048": return ModPGroup.ffdhe2048
        case "ffdhe3072": return ModPGroup.ffdhe3072
        case "modp2048": return ModPGroup.modp2048
        case "p256": return P256Group.shared
        default:
            throw EvidenceError.usage("unknown group '\(name)' (expected one of \(names.joined(separator: ", ")))")
        }
    }
}

/// The subgroup of quadratic residues modulo a safe prime p = 2q + 1: prime
/// order q, so every element other than 1 generates it and DDH is believed
/// hard there (unlike the full group, whose Legendre symbol leaks a bit).
public struct ModPGroup: PSIGroup {
    public let name: String
    public let p: BigInt
    public let order: BigInt
    public let elementByteCount: Int
    private let domain: [UInt8]
    private let pMinus1: BigInt

    /// Exponents are 256 bits: the discrete logarithm in a 2048-bit group
    /// costs about 2^112, so a 256-bit short exponent loses nothing
    /// (RFC 7919 §5.2 and NIST SP 800-56A recommend at least twice the
    /// security level) and is 8× cheaper than a full-size one.
    public static let exponentBits = 256

    init(name: String, hex: String) {
        self.name = name
        p = BigInt(hex: hex)!
        order = (p - BigInt.one).shiftedRight(1)
        pMinus1 = p - BigInt.one
        elementByteCount = p.byteCount
        domain = Array("evpsi-v1:hash-to-group:\(name)".utf8)
    }

    public func randomExponent() -> BigInt {
        while true {
            let k = BigInt.random(bits: Self.exponentBits)
            if k.signum > 0 { return k }
        }
    }

    /// Hash-to-group: expand_message_xmd (RFC 9380 §5.3.1, SHA-256) to
    /// |p| + 128 bits, reduce mod p (bias below 2^−128), square. Squaring
    /// lands in the residue subgroup, and a collision would give two square
    /// roots of the same value, i.e. a factor… of a prime: only ±u collide,
    /// which needs a SHA-256 collision.
    public func hashToElement(_ item: [UInt8], session: [UInt8]) -> BigInt {
        var message = [UInt8]()
        message.reserveCapacity(2 + session.count + item.count)
        message.append(UInt8(session.count >> 8)); message.append(UInt8(session.count & 0xff))
        message.append(contentsOf: session)
        message.append(contentsOf: item)
        let uniform = expandMessageXMD(message, domain: domain, length: elementByteCount + 16)
        let u = BigInt(bigEndian: uniform).mod(p)
        let h = (u * u).mod(p)
        // 0 and 1 occur with probability 2^−2000; map them to a fixed residue.
        return h <= BigInt.one ? BigInt(4) : h
    }

    public func blind(_ item: [UInt8], session: [UInt8], exponent k: BigInt) -> [UInt8] {
        hashToElement(item, session: session).powmSecret(k, p).bigEndianBytes(length: elementByteCount)!
    }

    /// Membership in the order-q subgroup is the Legendre symbol (x/p) = 1,
    /// far cheaper than x^q = 1; 1 itself is refused as it carries no item.
    public func decode(_ element: [UInt8]) throws -> BigInt {
        guard element.count == elementByteCount else {
            throw EvidenceError.input("group element has \(element.count) bytes, expected \(elementByteCount)")
        }
        let x = BigInt(bigEndian: element)
        guard x > BigInt.one, x < pMinus1, x.jacobi(p) == 1 else {
            throw EvidenceError.input("value is not an element of group \(name)")
        }
        return x
    }

    public func validate(_ element: [UInt8]) throws { _ = try decode(element) }

    public func reblind(_ element: [UInt8], exponent k: BigInt) throws -> [UInt8] {
        try decode(element).powmSecret(k, p).bigEndianBytes(length: elementByteCount)!
    }

    // RFC 7919 Appendix A.1 and A.2; RFC 3526 §3 (group 14). The tests
    // recompute them from their defining formulas with e and π.
    public static let ffdhe2048 = ModPGroup(name: "ffdhe2048", hex:
        "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff")
    public static let ffdhe3072 = ModPGroup(name: "ffdhe3072", hex:
        "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b4238611fcfdcde355b3b6519035bbc34f4def99c023861b46fc9d6e6c9077ad91d2691f7f7ee598cb0fac186d91caefe130985139270b4130c93bc437944f4fd4452e2d74dd364f2e21e71f54bff5cae82ab9c9df69ee86d2bc522363a0dabc521979b0deada1dbf9a42d5c4484e0abcd06bfa53ddef3c1b20ee3fd59d7c25e41d2b66c62e37ffffffffffffffff")
    public static let modp2048 = ModPGroup(name: "modp2048", hex:
        "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff")
}

