import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

// The cryptosystem of Damgård, Geisler and Krøigaard (ACISP 2007, with the
// correction of IJACT 2009), used for the bitwise part of `compare --op ge`.
// n = p·q with u | p−1, u | q−1, v_p | p−1, v_q | q−1 (u a small prime,
// v_p and v_q primes of t bits); g has order u·v_p·v_q and h order v_p·v_q
// in Z_n*. Enc(m) = g^m·h^r mod n with m in Z_u. The key holder tests
// m = 0 with one short exponentiation: c^(v_p) ≡ 1 (mod p) exactly when
// m ≡ 0 (mod u), because h^(v_p) ≡ 1 and g^(v_p) has order u mod p.
// Against Paillier's r^n mod n² (2048-bit exponent, 4096-bit modulus) the
// randomness is h^r with r of 2t + 128 bits mod n, and the zero test a
// t-bit exponent mod p.

/// Subgroup size t (bits of v_p, v_q) for a modulus of `bits`: twice the
/// security level NIST SP 800-57 gives the modulus (112 bits at 2048,
/// 128 at 3072, 192 at 7680), since Pollard's rho finds a discrete
/// logarithm in a t-bit group in about 2^(t/2) steps. Smaller (test) keys
/// get bits/8, at least 32.
public func dgkSubgroupBits(modulusBits bits: Int) -> Int {
    if bits >= 7680 { return 384 }
    if bits >= 3072 { return 256 }
    if bits >= 2048 { return 224 }
    return max(32, bits / 8)
}

/// The smallest t accepted from a peer without `allowInsecure`.
public let dgkMinimumSubgroupBits = 224
/// The plaintext space of a key made for ℓ-bit comparisons: the smallest
/// prime u ≥ 3ℓ, above every c_i (at most 3ℓ − 1), so c_i ≡ 0 (mod u) only
/// when c_i = 0 (193 for ℓ = 64). A small u keeps A's blinding exponent
/// short (8 bits); any prime serves the privacy of the blinding, since
/// r·c for r uniform in [1, u) is uniform on the nonzero residues.
public func dgkPlaintextModulus(comparisonBits: Int) -> Int {
    BigInt(3 * comparisonBits - 1).nextPrime().intValue!
}
/// Bound on a peer's u (it sets the cost of A's blinding exponent).
public let dgkMaximumU = 1 << 32

public struct DGKPublicKey: Sendable {
    public let n: BigInt
    public let g: BigInt
    public let h: BigInt
    /// The plaintext modulus, a prime.
    public let u: Int
    /// Bits of v_p and v_q: sets the length of the randomness r (2t + 128 bits).
    public let t: Int

    /// Checks what the party without the factors can check (rule
    /// well-formed-modulus for n; u prime with 3ℓ ≤ u < 2^32; g and h
    /// units other than ±1 and distinct; sizes). It cannot check the orders
    /// of g and h: evpsi(1) says what that leaves to the key holder.
    /// One's own key (just made, or from one's own sealed state): no peer checks.
    init(own n: BigInt, g: BigInt, h: BigInt, u: Int, t: Int) {
        self.n = n; self.g = g; self.h = h; self.u = u; self.t = t
    }

    public init(n: BigInt, g: BigInt, h: BigInt, u: Int, t: Int, comparisonBits bits: Int, allowInsecure: Bool = false) throws {
        func refused(_ why: String) -> EvidenceError { .input("dgk key refused: \(why)") }
        guard n.signum > 0, n.bitWidth <= paillierMaximumBits else {
            throw refused("the modulus must be positive and at most \(paillierMaximumBits) bits")
        }
        guard allowInsecure || n.bitWidth >= paillierMinimumBits else {
            throw refused("modulus of \(n.bitWidth) bits, at least \(paillierMinimumBits) required")
        }
        guard (allowInsecure ? 16 : dgkMinimumSubgroupBits) <= t, t <= 512, 2 * t < n.bitWidth / 2 else {
            throw refused("t = \(t): at least \(dgkMinimumSubgroupBits) (and at most 512) required")
        }
        guard u >= 3 * bits, u < dgkMaximumU, BigInt(u).isProbablePrime else {
            throw refused("u = \(u) must be a prime, at least 3·\(bits) and below 2^32")
        }
        let minusOne = n - BigInt.one
        for (name, x) in [("g", g), ("h", h)] {
            guard x > BigInt.one, x < minusOne, BigInt.gcd(x, n) == .one else {
                throw refused("\(name) must be a unit of Z/nZ other than 1 and -1")
            }
        }
        guard g != h else { throw refused("g = h") }
        try PaillierPublicKey.checkModulus(n)
        self.n = n; self.g = g; self.h = h; self.u = u; self.t = t
    }

    /// Fixed byte length of a ciphertext (an element of Z/nZ).
    public var ciphertextByteCount: Int { (n.bitWidth + 7) / 8 }
    /// Bits of the rerandomising exponent: uniform over 2^(2t+128) values,
    /// so h^r is within 2^−128 of uniform in ⟨h⟩ (order v_p·v_q < 2^(2t)).
    public var randomnessBits: Int { 2 * t + 128 }

    public func bytes(_ c: BigInt) -> [UInt8] { c.bigEndianBytes(length: ciphertextByteCount)! }

    /// A ciphertext from its fixed-length big-endian bytes: in [1, n).
    public func ciphertext(bytes: [UInt8]) throws -> BigInt {
        guard bytes.count == ciphertextByteCount else {
            throw EvidenceError.input("ciphertext has \(bytes.count) bytes, expected \(ciphertextByteCount)")
        }
        let c = BigInt(bigEndian: bytes)
        guard c.signum > 0, c < n else { throw EvidenceError.input("not a ciphertext of this dgk key") }
        return c
    }
}

public struct DGKPrivateKey: Sendable {
    public let publicKey: DGKPublicKey
    public let p: BigInt
    public let q: BigInt
    public let vp: BigInt
    public let vq: BigInt
    let gp: BigInt, gq: BigInt
    /// Powers of h mod p and mod q for the encryptions' randomness
    /// (exponents below v_p, v_q); made only for a key that encrypts.
    let hpTable: FixedBaseTable?, hqTable: FixedBaseTable?
    /// q^−1 mod p for the CRT recombination.
    let qInverse: BigInt
    let uBig: BigInt

    /// A key from its parts (just made, or a state file's), checking that
    /// they fit together and that g and h have the orders the zero test needs.
    /// `encryptions` (how many the key will make; 0: none) sizes the tables.
    public init(p: BigInt, q: BigInt, vp: BigInt, vq: BigInt, g: BigInt, h: BigInt, u: Int, t: Int, comparisonBits: Int,
                encryptions: Int = 1024) throws {
        func bad() -> EvidenceError { .input("dgk key: the parts do not fit together") }
        let one = BigInt.one, ub = BigInt(u)
        guard p != q, p.bitWidth + q.bitWidth <= paillierMaximumBits + 1, (p - one).mod(ub * vp).isZero, (q - one).mod(ub * vq).isZero,
              vp.bitWidth == t, vq.bitWidth == t, u >= 3 * comparisonBits, ub.isProbablePrime,
              let qi = q.inverse(p) else { throw bad() }
        publicKey = DGKPublicKey(own: p * q, g: g, h: h, u: u, t: t)
        self.p = p; self.q = q; self.vp = vp; self.vq = vq
        gp = g.mod(p); gq = g.mod(q)
        let hp = h.mod(p), hq = h.mod(q)
        qInverse = qi
        uBig = ub
        // The orders that make the zero test exact: g^(v_p) of order u mod p, h^(v_p) = 1.
        guard hp.powm(vp, p) == one, hq.powm(vq, q) == one,
              gp.powm(ub * vp, p) == one, gp.powm(vp, p) != one, gp.powm(ub, p) != one,
              gq.powm(ub * vq, q) == one, gq.powm(vq, q) != one, gq.powm(ub, q) != one,
              hp != one, hq != one else { throw bad() }
        hpTable = encryptions > 0 ? try FixedBaseTable(base: hp, modulus: p, exponentBits: t, uses: encryptions) : nil
        hqTable = encryptions > 0 ? try FixedBaseTable(base: hq, modulus: q, exponentBits: t, uses: encryptions) : nil
    }

    /// A new key with an n of exactly `bits` bits and t = dgkSubgroupBits(bits);
    /// p and q are searched on two cores.
    public static func generate(bits: Int, comparisonBits: Int, encryptions: Int = 1024, allowInsecure: Bool = false) throws -> DGKPrivateKey {
        guard allowInsecure || bits >= paillierMinimumBits else {
            throw EvidenceError.usage("dgk key of \(bits) bits refused: at least \(paillierMinimumBits) required")
        }
        guard bits >= 256, bits <= paillierMaximumBits else {
            throw EvidenceError.usage("a ge comparison needs a key of 256 to \(paillierMaximumBits) bits, not \(bits)")
        }
        let t = dgkSubgroupBits(modulusBits: bits)
        let u = dgkPlaintextModulus(comparisonBits: comparisonBits)
        while true {
            let halves = try parallelMap([bits / 2, bits - bits / 2]) { b in try prime(bits: b, t: t, u: u) }
            let (p, vp, gp, hp) = halves[0], (q, vq, gq, hq) = (halves[1].0, halves[1].1, halves[1].2, halves[1].3)
            guard p != q, (p * q).bitWidth == bits else { continue }
            let g = crt(gp, p, gq, q), h = crt(hp, p, hq, q)
            return try DGKPrivateKey(p: p, q: q, vp: vp, vq: vq, g: g, h: h, u: u, t: t, comparisonBits: comparisonBits,
                                     encryptions: encryptions)
        }
    }

    /// x with x ≡ a (mod p), x ≡ b (mod q).
    static func crt(_ a: BigInt, _ p: BigInt, _ b: BigInt, _ q: BigInt) -> BigInt {
        b + ((a - b) * q.inverse(p)!).mod(p) * q
    }

    /// A prime p = 2·u·v·k + 1 of exactly `bits` bits (top two set) with v
    /// a t-bit prime, and elements of order u·v and v mod p.
    static func prime(bits: Int, t: Int, u: Int) throws -> (BigInt, BigInt, BigInt, BigInt) {
        let one = BigInt.one, ub = BigInt(u)
        let v = BigInt.randomPrime(bits: t)
        let m = BigInt(2 * u) * v
        let low = BigInt(3).shiftedLeft(bits - 2), high = BigInt.one.shiftedLeft(bits)
        let kLow = (low - one) / m + one, kHigh = (high - BigInt(2)) / m
        var p = BigInt.zero
        repeat {
            p = m * (kLow + BigInt.random(below: kHigh - kLow)) + one
        } while !(p.probablyPrime(reps: 30) > 0)
        let pMinus1 = p - one
        func element(order: BigInt, _ isRight: (BigInt) -> Bool) -> BigInt {
            while true {
                let x = BigInt.randomUnit(modulo: p).powm(pMinus1 / order, p)
                if isRight(x) { return x }
            }
        }
        let g = element(order: ub * v) { x in x.powm(ub, p) != one && x.powm(v, p) != one }
        let h = element(order: v) { x in x != one }
        return (p, v, g, h)
    }

    /// Enc(m) for a small m ≥ 0: g^m·h^r with r uniform mod v_p and mod v_q,
    /// computed mod p and mod q (h's powers from tables, FixedBaseTable)
    /// and recombined.
    public func encrypt(_ m: Int) -> BigInt {
        guard let hpTable, let hqTable else { preconditionFailure("a dgk key made for no encryptions cannot encrypt") }
        let rp = BigInt.random(below: vp), rq = BigInt.random(below: vq)
        let cp = (hpTable.power(rp) * gp.powm(BigInt(m), p)).mod(p)
        let cq = (hqTable.power(rq) * gq.powm(BigInt(m), q)).mod(q)
        return cq + ((cp - cq) * qInverse).mod(p) * q
    }

    /// c^(v_p) mod p: 1 exactly when c decrypts to 0 (mod u).
    func reduced(_ c: BigInt) -> BigInt { c.mod(p).powmSecret(vp, p) }

    /// Whether c decrypts to zero. Refuses (rule in-subgroup) a c outside the
    /// subgroup ⟨g, h⟩ mod p, where every honest answer lies: there
    /// (c^(v_p))^u ≡ 1 (mod p).
    public func decryptsToZero(_ c: BigInt) throws -> Bool {
        let w = reduced(c)
        guard w.powm(uBig, p) == .one else {
            throw EvidenceError.input("refused: an answer is not in the key's subgroup (rule in-subgroup: an honest answer is a power of g times a power of h)")
        }
        return w == .one
    }

    /// The plaintext m in Z_u, by search over g^(v_p·m) mod p (u steps at
    /// most): for tests and checks, not for the protocol, which only needs
    /// the zero test.
    public func decrypt(_ c: BigInt) throws -> Int {
        let w = reduced(c)
        let base = gp.powm(vp, p)
        var x = BigInt.one
        for m in 0..<publicKey.u {
            if x == w { return m }
            x = (x * base).mod(p)
        }
        throw EvidenceError.failure("dgk decryption failed (not a ciphertext of this key)")
    }
}
