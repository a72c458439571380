import EvidenceCrypto
import EvidenceSupport

/// Powers of one fixed base mod m by table lookup: for an exponent of L
/// bits, row k holds base^(j·2^(8k)) for j = 0…255, so base^e is the
/// product of one entry per byte of e, L/8 multiplications instead of
/// about 1.2·L for square-and-multiply. The responder of a comparison
/// rerandomises every ciphertext it sends with h^r (r of 2t + 128 bits,
/// h fixed for the session): the table turns the 64 of them per
/// comparison from the largest cost into a small one.
///
/// Which entry is read depends on the exponent's bytes, so a process
/// sharing the machine's caches could in principle observe them (the
/// `mpz_powm_sec` path does not have this property); each r is fresh and
/// used once, and evpsi(1) says so.
struct FixedBaseTable: Sendable {
    let modulus: BigInt
    let exponentBytes: Int
    /// rows[k][j] = base^(j·256^k) mod modulus.
    let rows: [[BigInt]]

    /// Builds the table for exponents below 2^(8·exponentBytes), the rows on all cores.
    init(base: BigInt, modulus: BigInt, exponentBits: Int) throws {
        self.modulus = modulus
        exponentBytes = (exponentBits + 7) / 8
        var bases = [base.mod(modulus)]
        let radix = BigInt(256)
        for _ in 1..<max(1, exponentBytes) { bases.append(bases.last!.powm(radix, modulus)) }
        rows = try parallelMap(bases) { b -> [BigInt] in
            var row = [BigInt.one, b]
            row.reserveCapacity(256)
            for _ in 2...255 { row.append((row.last! * b).mod(modulus)) }
            return row
        }
    }

    /// base^e mod modulus for 0 ≤ e < 2^(8·exponentBytes): one
    /// multiplication per byte, a zero byte included (its entry is 1), so
    /// the sequence of operations does not depend on e.
    func power(_ e: BigInt) -> BigInt {
        let digits = e.bigEndianBytes(length: exponentBytes)!
        var acc = rows[0][Int(digits[exponentBytes - 1])]
        for k in 1..<exponentBytes {
            acc = (acc * rows[k][Int(digits[exponentBytes - 1 - k])]).mod(modulus)
        }
        return acc
    }
}
