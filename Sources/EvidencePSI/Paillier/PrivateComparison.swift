import FoundationEssentials
import EvidenceCrypto
import EvidenceSupport

/// Private comparisons between B, who holds a Paillier key and values b_k,
/// and A, who holds values a_k; the k-th values are compared. B learns only
/// the result bit of each comparison; A learns nothing but the count.
///
/// - `eq`: B sends Enc(b); A returns Enc(r·(a − b)) rerandomised, r a random
///   unit mod n. It decrypts to 0 exactly when a = b, and to a uniformly
///   random unit otherwise.
/// - `ge` (a ≥ b): the bitwise comparison of Damgård, Geisler and Krøigaard
///   (ACISP 2007) over Paillier, in the arrangement where the key holder is
///   meant to learn the bit (the blinding bit s of DGK/Veugen is fixed to 1,
///   since nothing is to be hidden from B). With x = a + 2^(ℓ−1) and
///   y = b + 2^(ℓ−1) as ℓ-bit numbers, B sends Enc(y_i) for every bit; A
///   computes for every i
///       c_i = x_i − y_i + 1 + 3·Σ_{j>i} (x_j ⊕ y_j)
///   homomorphically (x_j ⊕ y_j is Enc(y_j) or Enc(1 − y_j) since A knows x_j),
///   multiplies each by a random unit r_i, rerandomises and shuffles. At most
///   one c_i is zero, and one is exactly when x < y (at the highest bit where
///   they differ, x_i = 0 and y_i = 1); every other value B decrypts is a
///   uniformly random unit. So B learns [a ≥ b] and nothing else — not the
///   position, not the magnitude of the difference.
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

    /// B's message for one value: one ciphertext (eq) or ℓ bit ciphertexts,
    /// most significant first (ge).
    public static func encryptOwn(_ b: BigInt, op: Operation, bits: Int, key: PaillierPrivateKey) throws -> [PaillierCiphertext] {
        switch op {
        case .eq:
            return [try key.encrypt(b)]
        case .ge:
            let y = try offset(b, bits: bits)
            return try (0..<bits).reversed().map { i in try key.encrypt(y.bit(i) ? .one : .zero) }
        }
    }

    /// A's answer for one comparison, shuffled for ge.
    public static func answer(_ a: BigInt, to received: [PaillierCiphertext], op: Operation, bits: Int,
                              publicKey pk: PaillierPublicKey) throws -> [PaillierCiphertext] {
        switch op {
        case .eq:
            guard received.count == 1 else { throw EvidenceError.input("expected 1 ciphertext, found \(received.count)") }
            let difference = try pk.addPlain(pk.negate(received[0]), a)
            return [pk.rerandomise(pk.multiplySecret(difference, by: BigInt.randomUnit(modulo: pk.n)))]
        case .ge:
            guard received.count == bits else {
                throw EvidenceError.input("expected \(bits) bit ciphertexts, found \(received.count)")
            }
            let x = try offset(a, bits: bits)
            let one = try pk.encryptDeterministic(.one)
            var differing = try pk.encryptDeterministic(.zero)   // Enc(Σ_{j>i} x_j ⊕ y_j)
            var out: [PaillierCiphertext] = []
            out.reserveCapacity(bits)
            for (k, yBit) in received.enumerated() {
                let i = bits - 1 - k
                let xi = x.bit(i)
                // Enc(x_i − y_i + 1 + 3·W)
                var c = pk.add(pk.negate(yBit), pk.multiply(differing, by: BigInt(3)))
                c = try pk.addPlain(c, xi ? BigInt(2) : .one)
                out.append(pk.rerandomise(pk.multiplySecret(c, by: BigInt.randomUnit(modulo: pk.n))))
                differing = pk.add(differing, xi ? pk.add(one, pk.negate(yBit)) : yBit)
            }
            shuffle(&out)
            return out
        }
    }

    /// B's reading of A's answer: the result bit. A `ge` answer with more
    /// than one zero is refused (rule one-zero): an honest c_i is zero only
    /// at the highest differing bit, so a second zero means A sent values it
    /// did not compute from B's bits (encryptions of zero answer "a < b"
    /// for any a).
    public static func result(_ answer: [PaillierCiphertext], op: Operation, key: PaillierPrivateKey) throws -> Bool {
        switch op {
        case .eq:
            return key.decryptsToZero(answer[0])
        case .ge:
            // Examine every element (no early exit), so timing does not depend on the position of a zero.
            var zeros = 0
            for c in answer where key.decryptsToZero(c) { zeros += 1 }
            guard zeros <= 1 else {
                throw EvidenceError.input("refused: the answer decrypts to \(zeros) zeros (rule one-zero: an honest answer holds at most one zero per comparison)")
            }
            return zeros == 0
        }
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
