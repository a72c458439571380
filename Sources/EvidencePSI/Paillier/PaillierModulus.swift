import EvidenceCrypto
import EvidenceSupport

/// What the party that does not hold a Paillier key checks of the modulus
/// its peer chose, before encrypting or answering anything under it. A
/// modulus with a small factor leaks more than the protocol promises (with
/// n = 3·q an equality answer r·(a − b) mod n tells the key holder whether
/// a ≡ b (mod 3)); a prime or a perfect power is factored by anyone, so
/// every message under it could be read on its way.
///
/// These checks are cheap and refuse what is plainly malformed; they do not
/// prove n = p·q with p and q large and distinct. Only a zero-knowledge
/// proof from the key holder would (a Paillier–Blum modulus proof and a
/// no-small-factor proof, as in CGGMP21), and evpsi(1) says so.
extension PaillierPublicKey {
    /// Trial division bound: every prime below it is tried.
    public static let smallFactorBound = 1 << 20

    /// Refuses `n` unless it is odd, has no prime factor below 2^20, is not
    /// prime and is not a perfect power (rule well-formed-modulus).
    public static func checkModulus(_ n: BigInt) throws {
        func refused(_ why: String) -> EvidenceError {
            .input("paillier key refused: \(why) (rule well-formed-modulus: n odd, no factor below 2^20, not prime, not a perfect power)")
        }
        guard n.isOdd else { throw refused("n is even") }
        if let f = n.smallestFactor(below: smallFactorBound) { throw refused("n has the factor \(f)") }
        if n.isProbablePrime { throw refused("n is prime") }
        if n.isPerfectPower { throw refused("n is a perfect power") }
    }
}
