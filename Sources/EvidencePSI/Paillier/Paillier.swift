import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

// Paillier's cryptosystem (Paillier 1999) with g = n + 1, as python-paillier
// (`phe`) implements it, so that keys and ciphertexts move between the two:
// the same plaintext encoding (negative numbers as n − |m|, valid range
// |m| ≤ n/3 − 1), the same ciphertext integer, decryption by CRT over p², q².

/// Smallest modulus accepted without `allowInsecure`: 2048 bits is the
/// floor of NIST SP 800-57 for factoring-based keys today.
public let paillierMinimumBits = 2048
/// Largest modulus made or accepted: a peer's key sets the cost of every
/// operation on its ciphertexts, and 8192 bits is well past any advice
/// while still bounded (a 32768-bit key from a peer took 46 s per run).
public let paillierMaximumBits = 8192

public struct PaillierPublicKey: Sendable, Equatable {
    public let n: BigInt
    public let nSquare: BigInt
    /// Largest magnitude that encodes unambiguously (phe's `max_int`).
    public let maxInt: BigInt

    public init(n: BigInt) throws {
        guard n.signum > 0, n.isOdd, n.bitWidth >= 16 else {
            throw EvidenceError.input("paillier modulus must be an odd positive integer")
        }
        guard n.bitWidth <= paillierMaximumBits else {
            throw EvidenceError.input("paillier key of \(n.bitWidth) bits refused: at most \(paillierMaximumBits) allowed")
        }
        self.n = n
        nSquare = n * n
        maxInt = n / BigInt(3) - BigInt.one
    }

    public var bits: Int { n.bitWidth }
    /// Fixed byte length of a ciphertext (an element of Z/n²Z).
    public var ciphertextByteCount: Int { (nSquare.bitWidth + 7) / 8 }

    /// phe's plaintext encoding: m mod n, refusing values out of range.
    public func encode(_ m: BigInt) throws -> BigInt {
        guard m <= maxInt, -m <= maxInt else {
            throw EvidenceError.input("value out of range for this paillier key")
        }
        return m.mod(n)
    }

    /// phe's decoding of a decrypted residue back to a signed integer.
    public func decode(_ residue: BigInt) throws -> BigInt {
        if residue <= maxInt { return residue }
        if residue >= n - maxInt { return residue - n }
        throw EvidenceError.failure("paillier decryption overflow (value out of range or wrong key)")
    }

    /// (1 + n·m) mod n² = g^m: the deterministic part of an encryption.
    func nude(_ encoded: BigInt) -> BigInt { (n * encoded + BigInt.one).mod(nSquare) }

    /// r^n mod n² for a fresh random unit r. The base is secret (knowing r
    /// decrypts), so the constant-time exponentiation is used even though
    /// the exponent is public.
    public func obfuscator() -> BigInt {
        BigInt.randomUnit(modulo: n).powmSecret(n, nSquare)
    }

    public func encrypt(_ m: BigInt) throws -> PaillierCiphertext {
        let c = (nude(try encode(m)) * obfuscator()).mod(nSquare)
        return PaillierCiphertext(c)
    }

    public func encrypt(_ m: Int) throws -> PaillierCiphertext { try encrypt(BigInt(m)) }

    /// An encryption with r = 1: only for values the peer may know anyway
    /// (zero, public constants), always rerandomised before it leaves.
    public func encryptDeterministic(_ m: BigInt) throws -> PaillierCiphertext {
        PaillierCiphertext(nude(try encode(m)))
    }

    public func add(_ a: PaillierCiphertext, _ b: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext((a.value * b.value).mod(nSquare))
    }

    public func addPlain(_ a: PaillierCiphertext, _ m: BigInt) throws -> PaillierCiphertext {
        PaillierCiphertext((a.value * nude(try encode(m))).mod(nSquare))
    }

    /// Enc(k·m) from Enc(m); a negative k uses the inverse ciphertext, as phe does.
    public func multiply(_ a: PaillierCiphertext, by k: BigInt) -> PaillierCiphertext {
        if k.isNegative {
            let inv = a.value.inverse(nSquare)!
            return PaillierCiphertext(inv.powm(-k, nSquare))
        }
        return PaillierCiphertext(a.value.powm(k, nSquare))
    }

    /// Enc(k·m) for a secret multiplier k > 0 (a blinding factor): the
    /// exponentiation runs in constant time.
    public func multiplySecret(_ a: PaillierCiphertext, by k: BigInt) -> PaillierCiphertext {
        PaillierCiphertext(a.value.powmSecret(k, nSquare))
    }

    public func negate(_ a: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext(a.value.inverse(nSquare)!)
    }

    /// A fresh-looking encryption of the same plaintext.
    public func rerandomise(_ a: PaillierCiphertext) -> PaillierCiphertext {
        PaillierCiphertext((a.value * obfuscator()).mod(nSquare))
    }

    /// Checks that a received integer is a ciphertext of this key: in
    /// [1, n²) and a unit (a non-unit would reveal a factor of n).
    public func validate(_ c: BigInt) throws -> PaillierCiphertext {
        guard c.signum > 0, c < nSquare, BigInt.gcd(c, n) == .one else {
            throw EvidenceError.input("not a ciphertext of this paillier key")
        }
        return PaillierCiphertext(c)
    }

    /// A ciphertext from its fixed-length big-endian bytes (as in messages).
    public func ciphertext(bytes: [UInt8]) throws -> PaillierCiphertext {
        guard bytes.count == ciphertextByteCount else {
            throw EvidenceError.input("ciphertext has \(bytes.count) bytes, expected \(ciphertextByteCount)")
        }
        return try validate(BigInt(bigEndian: bytes))
    }

    public func bytes(_ c: PaillierCiphertext) -> [UInt8] {
        c.value.bigEndianBytes(length: ciphertextByteCount)!
    }
}

public struct PaillierCiphertext: Sendable, Equatable {
    public let value: BigInt
    public init(_ value: BigInt) { self.value = value }
}

public struct PaillierPrivateKey: Sendable {
    public let publicKey: PaillierPublicKey
    public let p: BigInt
    public let q: BigInt
    let pSquare: BigInt
    let qSquare: BigInt
    let pMinus1: BigInt
    let qMinus1: BigInt
    /// L_p(g^(p−1) mod p²)^−1 mod p, and the same for q (phe's hp, hq).
    let hp: BigInt
    let hq: BigInt
    /// q^−1 mod p and (q²)^−1 mod p² for the CRT recombinations.
    let qInverse: BigInt
    let qSquareInverse: BigInt

    public init(p: BigInt, q: BigInt, allowInsecure: Bool = false) throws {
        // Before the primality tests, whose cost grows with the size.
        guard p.bitWidth + q.bitWidth <= paillierMaximumBits + 1 else {
            throw EvidenceError.input("paillier key of about \(p.bitWidth + q.bitWidth) bits refused: at most \(paillierMaximumBits) allowed")
        }
        guard p != q, p.isProbablePrime, q.isProbablePrime, p.isOdd, q.isOdd else {
            throw EvidenceError.input("paillier key: p and q must be distinct odd primes")
        }
        let n = p * q
        guard allowInsecure || n.bitWidth >= paillierMinimumBits else {
            throw EvidenceError.input("paillier key of \(n.bitWidth) bits refused: at least \(paillierMinimumBits) required")
        }
        // Order p < q is irrelevant to the maths; keep phe's fields as given.
        publicKey = try PaillierPublicKey(n: n)
        self.p = p
        self.q = q
        pSquare = p * p
        qSquare = q * q
        pMinus1 = p - BigInt.one
        qMinus1 = q - BigInt.one
        let g = n + BigInt.one
        func h(_ x: BigInt, _ xSquare: BigInt, _ xMinus1: BigInt) throws -> BigInt {
            let l = (g.powm(xMinus1, xSquare) - BigInt.one) / x
            guard let inv = l.mod(x).inverse(x) else { throw EvidenceError.input("paillier key: bad primes") }
            return inv
        }
        hp = try h(p, pSquare, pMinus1)
        hq = try h(q, qSquare, qMinus1)
        guard let qi = q.inverse(p) else { throw EvidenceError.input("paillier key: bad primes") }
        qInverse = qi
        guard let qsi = qSquare.inverse(pSquare) else { throw EvidenceError.input("paillier key: bad primes") }
        qSquareInverse = qsi
    }

    /// A new key whose modulus has exactly `bits` bits.
    public static func generate(bits: Int = paillierMinimumBits, allowInsecure: Bool = false) throws -> PaillierPrivateKey {
        guard bits <= paillierMaximumBits else {
            throw EvidenceError.usage("paillier key of \(bits) bits refused: at most \(paillierMaximumBits) allowed")
        }
        guard allowInsecure || bits >= paillierMinimumBits else {
            throw EvidenceError.usage("paillier key of \(bits) bits refused: at least \(paillierMinimumBits) required (\(Setting("insecure-test-key")) for tests)")
        }
        guard bits >= 64, bits % 2 == 0 else { throw EvidenceError.usage("paillier key size must be even and at least 64") }
        while true {
            let p = BigInt.randomPrime(bits: bits / 2)
            let q = BigInt.randomPrime(bits: bits / 2)
            if p == q { continue }
            return try PaillierPrivateKey(p: p, q: q, allowInsecure: allowInsecure)
        }
    }

    /// The plaintext residue in [0, n): CRT with secret exponents p−1, q−1.
    public func decryptResidue(_ c: PaillierCiphertext) -> BigInt {
        let mp = (c.value.mod(pSquare).powmSecret(pMinus1, pSquare) - BigInt.one) / p * hp
        let mq = (c.value.mod(qSquare).powmSecret(qMinus1, qSquare) - BigInt.one) / q * hq
        let rp = mp.mod(p), rq = mq.mod(q)
        return rq + ((rp - rq) * qInverse).mod(p) * q
    }

    public func decrypt(_ c: PaillierCiphertext) throws -> BigInt {
        try publicKey.decode(decryptResidue(c))
    }

    /// True when c decrypts to zero, without the signed decoding.
    public func decryptsToZero(_ c: PaillierCiphertext) -> Bool { decryptResidue(c).isZero }

    /// Encryption by the key holder: r^n computed mod p² and mod q² and
    /// recombined, about three times cheaper than the public-key path.
    public func encrypt(_ m: BigInt) throws -> PaillierCiphertext {
        let pk = publicKey
        let r = BigInt.randomUnit(modulo: pk.n)
        let rp = r.mod(pSquare).powmSecret(pk.n.mod(pMinus1 * p), pSquare)
        let rq = r.mod(qSquare).powmSecret(pk.n.mod(qMinus1 * q), qSquare)
        // CRT over p², q²: x ≡ rp (p²), x ≡ rq (q²).
        let obfuscator = rq + ((rp - rq) * qSquareInverse).mod(pSquare) * qSquare
        return PaillierCiphertext((pk.nude(try pk.encode(m)) * obfuscator).mod(pk.nSquare))
    }
}
