import FoundationEssentials
import EvidenceSupport
internal import CGMP

// The one file that calls GMP. `mpz_*` are C macros, so the `__gmpz_*`
// symbols are called directly. Above this file, `BigInt` is an immutable
// value: every public operation returns a new number, which is what lets
// one instance be shared by many threads (DispatchQueue.concurrentPerform)
// without locks.

/// An arbitrary-precision integer backed by a GMP `mpz_t`.
///
/// The `mpz_t` lives in a heap allocation owned by this object, so the C
/// calls receive stable pointers (no `&x` twice, which Swift's exclusivity
/// rule forbids) and `deinit` wipes and frees it deterministically. Limbs
/// are zeroed before they are freed because these numbers are often
/// secrets (Paillier primes, PSI exponents).
public final class BigInt: @unchecked Sendable {
    // @unchecked: the storage is only written while `self` is still private
    // to the initialiser or the operation building it.
    fileprivate let z: UnsafeMutablePointer<__mpz_struct>

    fileprivate init(uninitialised: ()) {
        z = .allocate(capacity: 1)
        __gmpz_init(z)
    }

    /// Builds a number in place; `body` receives the fresh mpz to write.
    fileprivate static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInt {
        let r = BigInt(uninitialised: ())
        body(r.z)
        return r
    }

    deinit {
        let limbs = Int(z.pointee._mp_alloc)
        if limbs > 0, let d = z.pointee._mp_d {
            d.update(repeating: 0, count: limbs)
        }
        __gmpz_clear(z)
        z.deallocate()
    }

    public convenience init(_ value: Int) {
        self.init(uninitialised: ())
        __gmpz_set_si(z, value)
    }

    public convenience init(_ value: UInt) {
        self.init(uninitialised: ())
        __gmpz_set_ui(z, value)
    }

    /// The non-negative number whose big-endian bytes are `bytes`.
    public convenience init<Bytes: ContiguousBytes>(bigEndian bytes: Bytes) {
        self.init(uninitialised: ())
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                __gmpz_import(z, raw.count, 1, 1, 1, 0, base)
            }
        }
    }

    /// Parses an optional `-` and digits in `radix` (2…36); nil on anything
    /// else, including whitespace and an empty string, which GMP would accept.
    public convenience init?(_ text: String, radix: Int = 10) {
        guard (2...36).contains(radix) else { return nil }
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty,
              digits.utf8.allSatisfy({ c in
                  let v: UInt8
                  switch c {
                  case 0x30...0x39: v = c - 0x30
                  case 0x61...0x7a: v = c - 0x61 + 10
                  case 0x41...0x5a: v = c - 0x41 + 10
                  default: return false
                  }
                  return Int(v) < radix
              }) else { return nil }
        self.init(uninitialised: ())
        let ok = String(digits).withCString { __gmpz_set_str(z, $0, Int32(radix)) }
        guard ok == 0 else { return nil }
        if negative { __gmpz_neg(z, z) }
    }

    /// Lowercase hexadecimal digits (DESIGN.md), no prefix, `-` when negative.
    public convenience init?(hex: String) { self.init(hex, radix: 16) }

    public static let zero = BigInt(0)
    public static let one = BigInt(1)
    public static let two = BigInt(2)

    // MARK: - Properties

    /// -1, 0 or 1.
    public var signum: Int {
        let size = z.pointee._mp_size
        return size > 0 ? 1 : (size < 0 ? -1 : 0)
    }
    public var isZero: Bool { z.pointee._mp_size == 0 }
    public var isNegative: Bool { z.pointee._mp_size < 0 }
    public var isOdd: Bool { __gmpz_tstbit(z, 0) == 1 }

    /// Number of bits in |self| (0 for zero).
    public var bitWidth: Int { isZero ? 0 : Int(__gmpz_sizeinbase(z, 2)) }

    /// Bytes needed for |self| big-endian (0 for zero).
    public var byteCount: Int { (bitWidth + 7) / 8 }

    public func bit(_ index: Int) -> Bool { __gmpz_tstbit(z, mp_bitcnt_t(index)) == 1 }

    /// The value as an Int, or nil when it does not fit.
    public var intValue: Int? {
        guard __gmpz_fits_slong_p(z) != 0 else { return nil }
        return __gmpz_get_si(z)
    }

    // MARK: - Encodings

    /// |self| big-endian, minimal length (empty for zero).
    public var bigEndianBytes: [UInt8] {
        let count = byteCount
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            var written = 0
            __gmpz_export(buffer.baseAddress, &written, 1, 1, 1, 0, z)
            initialised = written
        }
    }

    /// |self| big-endian, left-padded with zeros to exactly `length` bytes;
    /// nil when it does not fit. Fixed-length encodings keep message sizes
    /// independent of the values.
    public func bigEndianBytes(length: Int) -> [UInt8]? {
        let count = byteCount
        guard count <= length else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        if count > 0 {
            out.withUnsafeMutableBufferPointer { buffer in
                var written = 0
                __gmpz_export(buffer.baseAddress! + (length - count), &written, 1, 1, 1, 0, z)
            }
        }
        return out
    }

    public func toString(radix: Int = 10) -> String {
        precondition((2...36).contains(radix))
        let size = Int(__gmpz_sizeinbase(z, Int32(radix))) + 2
        var buffer = [CChar](repeating: 0, count: size)
        __gmpz_get_str(&buffer, Int32(radix), z)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var hex: String { toString(radix: 16) }

    // MARK: - Arithmetic

    public static func + (a: BigInt, b: BigInt) -> BigInt { make { __gmpz_add($0, a.z, b.z) } }
    public static func - (a: BigInt, b: BigInt) -> BigInt { make { __gmpz_sub($0, a.z, b.z) } }
    public static func * (a: BigInt, b: BigInt) -> BigInt { make { __gmpz_mul($0, a.z, b.z) } }
    public static prefix func - (a: BigInt) -> BigInt { make { __gmpz_neg($0, a.z) } }

    public static func + (a: BigInt, b: Int) -> BigInt { a + BigInt(b) }
    public static func - (a: BigInt, b: Int) -> BigInt { a - BigInt(b) }
    public static func * (a: BigInt, b: Int) -> BigInt { a * BigInt(b) }

    /// Floor division, as Python's `//`.
    public static func / (a: BigInt, b: BigInt) -> BigInt {
        precondition(!b.isZero, "division by zero")
        return make { __gmpz_fdiv_q($0, a.z, b.z) }
    }

    /// The remainder in [0, |m|), as the `mod` of number theory (and Python's
    /// `%` for a positive modulus).
    public func mod(_ m: BigInt) -> BigInt {
        precondition(!m.isZero, "modulus zero")
        return BigInt.make { __gmpz_mod($0, z, m.z) }
    }

    public func shiftedLeft(_ bits: Int) -> BigInt { BigInt.make { __gmpz_mul_2exp($0, z, mp_bitcnt_t(bits)) } }
    /// Floor of self / 2^bits.
    public func shiftedRight(_ bits: Int) -> BigInt { BigInt.make { __gmpz_fdiv_q_2exp($0, z, mp_bitcnt_t(bits)) } }

    public func power(_ exponent: Int) -> BigInt {
        precondition(exponent >= 0)
        return BigInt.make { __gmpz_pow_ui($0, z, UInt(exponent)) }
    }

    /// self^e mod m for a public exponent (variable time); e ≥ 0, m > 0.
    public func powm(_ e: BigInt, _ m: BigInt) -> BigInt {
        precondition(!e.isNegative && m.signum > 0)
        return BigInt.make { __gmpz_powm($0, z, e.z, m.z) }
    }

    /// self^e mod m for a secret exponent: `mpz_powm_sec`, whose timing and
    /// memory access do not depend on e. GMP requires an odd modulus and
    /// e > 0; both always hold for our groups and Paillier moduli.
    public func powmSecret(_ e: BigInt, _ m: BigInt) -> BigInt {
        precondition(e.signum > 0 && m.isOdd && m.signum > 0, "powm_sec needs e > 0 and an odd modulus")
        return BigInt.make { __gmpz_powm_sec($0, z, e.z, m.z) }
    }

    /// The inverse of self mod m, or nil when gcd(self, m) ≠ 1.
    public func inverse(_ m: BigInt) -> BigInt? {
        let r = BigInt(uninitialised: ())
        guard __gmpz_invert(r.z, z, m.z) != 0 else { return nil }
        return r
    }

    public static func gcd(_ a: BigInt, _ b: BigInt) -> BigInt { make { __gmpz_gcd($0, a.z, b.z) } }
    public static func lcm(_ a: BigInt, _ b: BigInt) -> BigInt { make { __gmpz_lcm($0, a.z, b.z) } }

    /// Jacobi symbol (self / n) for odd n > 0: for a prime n, 1 exactly on
    /// the non-zero quadratic residues.
    public func jacobi(_ n: BigInt) -> Int { Int(__gmpz_jacobi(z, n.z)) }

    /// GMP's `mpz_probab_prime_p`: 2 certainly prime, 1 probably prime
    /// (error below 4^-reps), 0 composite.
    public func probablyPrime(reps: Int = 40) -> Int { Int(__gmpz_probab_prime_p(z, Int32(reps))) }

    public var isProbablePrime: Bool { probablyPrime() > 0 }

    /// GMP's `mpz_perfect_power_p`: self = a^b for some integers a and b > 1.
    public var isPerfectPower: Bool { __gmpz_perfect_power_p(z) != 0 }

    /// The smallest prime factor of self below `bound`, or nil when there is
    /// none (trial division by the primes a sieve of `bound` gives, each a
    /// one-limb remainder: about 82,000 of them below 2^20).
    public func smallestFactor(below bound: Int) -> Int? {
        precondition(bound >= 2 && bound <= 1 << 32)
        var composite = [Bool](repeating: false, count: bound)
        var p = 2
        while p < bound {
            if !composite[p] {
                if __gmpz_fdiv_ui(z, UInt(p)) == 0 && !(self == p) { return p }
                var m = p * p
                while m < bound { composite[m] = true; m += p }
            }
            p += 1
        }
        return nil
    }

    /// The smallest probable prime greater than self.
    public func nextPrime() -> BigInt { BigInt.make { __gmpz_nextprime($0, z) } }

    // MARK: - Randomness (OpenSSL DRBG; GMP's own generators are not cryptographic)

    /// Uniform in [0, 2^bits).
    public static func random(bits: Int) -> BigInt {
        precondition(bits >= 0)
        guard bits > 0 else { return .zero }
        var bytes = SecureRandom.bytes((bits + 7) / 8)
        let excess = bytes.count * 8 - bits
        bytes[0] &= UInt8(0xff >> excess)
        defer { bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return BigInt(bigEndian: bytes)
    }

    /// Uniform in [0, n) by rejection sampling (at most 2 draws expected).
    public static func random(below n: BigInt) -> BigInt {
        precondition(n.signum > 0)
        let bits = n.bitWidth
        while true {
            let r = random(bits: bits)
            if r < n { return r }
        }
    }

    /// Uniform in [1, n) and coprime to n: a unit of Z/nZ.
    public static func randomUnit(modulo n: BigInt) -> BigInt {
        while true {
            let r = random(below: n)
            if !r.isZero && gcd(r, n) == .one { return r }
        }
    }

    /// A random prime of exactly `bits` bits (top two bits set, so a
    /// product of two such primes has exactly 2·bits bits).
    public static func randomPrime(bits: Int) -> BigInt {
        precondition(bits >= 16)
        while true {
            var bytes = SecureRandom.bytes((bits + 7) / 8)
            let excess = bytes.count * 8 - bits
            bytes[0] &= UInt8(0xff >> excess)
            bytes[0] |= UInt8(0xc0 >> excess)
            if excess == 7 { bytes[1] |= 0x80 }
            bytes[bytes.count - 1] |= 1
            let candidate = BigInt(bigEndian: bytes)
            bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
            let p = candidate.nextPrime()
            if p.bitWidth == bits && p.probablyPrime(reps: 40) > 0 { return p }
        }
    }
}

extension BigInt: Equatable, Comparable, Hashable, CustomStringConvertible {
    public static func == (a: BigInt, b: BigInt) -> Bool { __gmpz_cmp(a.z, b.z) == 0 }
    public static func < (a: BigInt, b: BigInt) -> Bool { __gmpz_cmp(a.z, b.z) < 0 }
    public static func == (a: BigInt, b: Int) -> Bool { __gmpz_cmp_si(a.z, b) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(signum)
        hasher.combine(bigEndianBytes)
    }

    public var description: String { toString() }
}
