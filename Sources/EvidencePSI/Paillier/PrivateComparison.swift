import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Private comparisons between B, who holds the keys and values b_k, and A,
/// who holds values a_k; the k-th values are compared. B learns only the
/// result bit of each comparison; A learns nothing but the count.
///
/// - `eq` (Paillier, B's key): B sends Enc(b); A returns Enc(r·(a − b))
///   rerandomised, r a random unit mod n. It decrypts to 0 exactly when
///   a = b, and to a uniformly random unit otherwise.
/// - `ge` (a ≥ b): the bitwise comparison of Damgård, Geisler and Krøigaard
///   (ACISP 2007) in their own cryptosystem (DGK.swift, a key made for each
///   request), in the arrangement where the key holder is meant to learn
///   the bit (the blinding bit s of DGK/Veugen is fixed to 1, since nothing
///   is to be hidden from B). With x = a + 2^(ℓ−1) and y = b + 2^(ℓ−1) as
///   ℓ-bit numbers, B sends Enc(y_i) for every bit; A computes for every i
///       c_i = x_i − y_i + 1 + 3·Σ_{j>i} (x_j ⊕ y_j)
///   homomorphically (x_j ⊕ y_j is Enc(y_j) or Enc(1 − y_j) since A knows x_j),
///   raises each to a random r_i in [1, u), multiplies by a fresh h^r and
///   shuffles. 0 ≤ c_i ≤ 3ℓ − 1 < u, so c_i ≡ 0 (mod u) only when c_i = 0:
///   at most one c_i is zero, and one is exactly when x < y (at the highest
///   bit where they differ, x_i = 0 and y_i = 1); every other value B could
///   decrypt is r_i·c_i, uniform on Z_u \ {0} since u is prime. So B learns
///   [a ≥ b] and nothing else — not the position, not the magnitude of the
///   difference.
public enum PrivateComparison {
    public enum Operation: String, Sendable, CaseIterable { case eq, ge }

    public static let defaultBits = 64
    public static let maximumBits = 256

    /// The ℓ-bit offset encoding of a signed value in [−2^(ℓ−1), 2^(ℓ−1)).
    static func offset(_ v: BigInt, bits: Int) throws -> BigInt {
        let half = BigInt.one.shiftedLeft(bits - 1)
        let u = v + half
        guard !u.isNegative, u.bitWidth <= bits else {
            throw EvidenceError.input("value \(v) is outside the \(bits)-bit range [-2^\(bits - 1), 2^\(bits - 1))")
        }
        return u
    }

    // MARK: eq (Paillier)

    /// B's message for one `eq` comparison: Enc(b).
    public static func encryptOwn(_ b: BigInt, key: PaillierPrivateKey) throws -> PaillierCiphertext {
        try key.encrypt(b)
    }

    /// A's `eq` answer: Enc(r·(a − b)) rerandomised.
    public static func answer(_ a: BigInt, to received: PaillierCiphertext, publicKey pk: PaillierPublicKey) throws -> PaillierCiphertext {
        let difference = try pk.addPlain(pk.negate(received), a)
        return pk.rerandomise(pk.multiplySecret(difference, by: BigInt.randomUnit(modulo: pk.n)))
    }

    /// B's reading of an `eq` answer.
    public static func result(_ answer: PaillierCiphertext, key: PaillierPrivateKey) -> Bool {
        key.decryptsToZero(answer)
    }

    // MARK: ge (DGK)

    /// B's message for one `ge` comparison: ℓ bit ciphertexts, most significant first.
    public static func encryptOwn(_ b: BigInt, bits: Int, key: DGKPrivateKey) throws -> [BigInt] {
        let y = try offset(b, bits: bits)
        return (0..<bits).reversed().map { i in key.encrypt(y.bit(i) ? 1 : 0) }
    }

    /// What A precomputes once per request: g, g² and the table of h.
    public struct Responder: Sendable {
        public let publicKey: DGKPublicKey
        let gPowers: [BigInt]
        let hTable: FixedBaseTable
        let uMinus1: BigInt

        /// `answers`: about how many ciphertexts will be blinded (sizes h's table).
        public init(_ pk: DGKPublicKey, answers: Int) throws {
            publicKey = pk
            gPowers = [pk.g, (pk.g * pk.g).mod(pk.n)]
            hTable = try FixedBaseTable(base: pk.h, modulus: pk.n, exponentBits: pk.randomnessBits, uses: answers)
            uMinus1 = BigInt(pk.u - 1)
        }

        /// c^r·h^s for r uniform in [1, u) and s of 2t + 128 bits.
        func blind(_ c: BigInt) -> BigInt {
            let r = BigInt.random(below: uMinus1) + BigInt.one
            let s = BigInt.random(bits: hTable.exponentBits)
            return (Self.power(c, r, bits: uMinus1.bitWidth, publicKey.n) * hTable.power(s)).mod(publicKey.n)
        }

        /// c^e mod n for a secret e below 2^bits by square-and-multiply-always:
        /// the same operations whatever e's bits (one product is kept, the
        /// other dropped). For the 8-bit blinding exponent this is several
        /// times cheaper than `mpz_powm_sec`, whose fixed-window table is
        /// built for long exponents.
        static func power(_ c: BigInt, _ e: BigInt, bits: Int, _ n: BigInt) -> BigInt {
            var acc = BigInt.one
            for i in stride(from: bits - 1, through: 0, by: -1) {
                acc = (acc * acc).mod(n)
                let product = (acc * c).mod(n)
                acc = e.bit(i) ? product : acc
            }
            return acc
        }
    }

    /// A's `ge` answer for one comparison, shuffled.
    public static func answer(_ a: BigInt, to received: [BigInt], bits: Int, responder: Responder) throws -> [BigInt] {
        guard received.count == bits else {
            throw EvidenceError.input("expected \(bits) bit ciphertexts, found \(received.count)")
        }
        let n = responder.publicKey.n
        let x = try offset(a, bits: bits)
        var differing = BigInt.one   // Enc(Σ_{j>i} x_j ⊕ y_j), with randomness 0
        var out: [BigInt] = []
        out.reserveCapacity(bits)
        for (k, yBit) in received.enumerated() {
            let i = bits - 1 - k
            let xi = x.bit(i)
            // A non-unit would share a factor with n: refused, as no honest B sends one.
            guard let minusY = yBit.inverse(n) else { throw EvidenceError.input("not a ciphertext of this dgk key") }
            // Enc(x_i − y_i + 1 + 3·W) = g^(x_i + 1) · Enc(y_i)^−1 · Enc(W)^3
            let w3 = (differing * differing).mod(n) * differing
            let c = (responder.gPowers[xi ? 1 : 0] * minusY).mod(n) * w3
            out.append(responder.blind(c.mod(n)))
            // Enc(x_i ⊕ y_i) is Enc(y_i) when x_i = 0, Enc(1 − y_i) = g·Enc(y_i)^−1 when x_i = 1.
            differing = (differing * (xi ? (responder.gPowers[0] * minusY).mod(n) : yBit)).mod(n)
        }
        shuffle(&out)
        return out
    }

    /// B's reading of A's `ge` answer: the result bit. Every element is
    /// checked to lie in the key's subgroup (rule in-subgroup), and an
    /// answer with more than one zero is refused (rule one-zero): an honest
    /// c_i is zero only at the highest differing bit, so a second zero means
    /// A sent values it did not compute from B's bits (encryptions of zero
    /// answer "a < b" for any a).
    public static func result(_ answer: [BigInt], key: DGKPrivateKey) throws -> Bool {
        // Examine every element (no early exit), so timing does not depend on the position of a zero.
        var zeros = 0
        for c in answer where try key.decryptsToZero(c) { zeros += 1 }
        guard zeros <= 1 else {
            throw EvidenceError.input("refused: the answer decrypts to \(zeros) zeros (rule one-zero: an honest answer holds at most one zero per comparison)")
        }
        return zeros == 0
    }

    /// Fisher–Yates with the DRBG.
    static func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = BigInt.random(below: BigInt(i + 1)).intValue!
            a.swapAt(i, j)
        }
    }
}
