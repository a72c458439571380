import EvidenceCrypto
import EvidenceSupport

/// Powers of one fixed base mod m by table lookup (the comb of Lim and Lee
/// in its simplest form): for exponents of L bits cut into w-bit digits,
/// row k holds base^(j·2^(w·k)) for j = 0…2^w − 1, so base^e is the
/// product of one entry per digit of e, ⌈L/w⌉ multiplications instead of
/// about 1.2·L for square-and-multiply. The responder of a comparison
/// rerandomises every ciphertext it sends with h^r (r of 2t + 128 bits,
/// h fixed for the session), the key holder makes its ciphertexts' h^r
/// mod p and mod q: the tables turn these from the largest cost into a
/// small one.
///
/// Which entry is read depends on the exponent's digits, so a process
/// sharing the machine's caches could in principle observe them (the
/// `mpz_powm_sec` path does not have this property); each exponent is
/// fresh and used once, and evpsi(1) says so. The operations themselves
/// are the same for every exponent (a zero digit multiplies by 1).
struct FixedBaseTable: Sendable {
    let modulus: BigInt
    /// Exponents are below 2^exponentBits.
    let exponentBits: Int
    let window: Int
    /// rows[k][j] = base^(j·2^(window·k)) mod modulus.
    let rows: [[BigInt]]

    /// The window minimising the work of building the table and using it
    /// `uses` times, ⌈L/w⌉·(2^w + uses) multiplications, within 4…12 bits
    /// and 64 MiB of entries.
    static func window(exponentBits: Int, modulusBits: Int, uses: Int) -> Int {
        let entryBytes = (modulusBits + 7) / 8 + 32
        var best = 4, bestCost = Int.max
        for w in 4...12 {
            let rows = (exponentBits + w - 1) / w
            guard rows * (1 << w) * entryBytes <= 64 << 20 else { break }
            let cost = rows * ((1 << w) + uses)
            if cost < bestCost { best = w; bestCost = cost }
        }
        return best
    }

    /// Builds the table for exponents below 2^exponentBits, to be used
    /// about `uses` times; the rows are made on all cores.
    init(base: BigInt, modulus: BigInt, exponentBits: Int, uses: Int) throws {
        self.modulus = modulus
        self.exponentBits = max(1, exponentBits)
        let w = Self.window(exponentBits: self.exponentBits, modulusBits: modulus.bitWidth, uses: uses)
        window = w
        let count = (self.exponentBits + w - 1) / w
        var bases = [base.mod(modulus)]
        let step = BigInt.one.shiftedLeft(w)
        for _ in 1..<count { bases.append(bases.last!.powm(step, modulus)) }
        rows = try parallelMap(bases) { b -> [BigInt] in
            var row = [BigInt.one, b]
            row.reserveCapacity(1 << w)
            for _ in 2..<(1 << w) { row.append((row.last! * b).mod(modulus)) }
            return row
        }
    }

    /// base^e mod modulus for 0 ≤ e < 2^exponentBits: one multiplication
    /// per digit, a zero digit included (its entry is 1).
    func power(_ e: BigInt) -> BigInt {
        let byteCount = (rows.count * window + 7) / 8 + 2
        let bytes = e.bigEndianBytes(length: byteCount)!
        let mask = (1 << window) - 1
        // The digit at bit `k·window`, read from at most three bytes (window ≤ 12).
        func digit(_ k: Int) -> Int {
            let bit = k * window
            let last = byteCount - 1 - bit / 8
            let v = Int(bytes[last]) | Int(bytes[last - 1]) << 8 | Int(bytes[last - 2]) << 16
            return (v >> (bit % 8)) & mask
        }
        var acc = rows[0][digit(0)]
        for k in 1..<rows.count {
            acc = (acc * rows[k][digit(k)]).mod(modulus)
        }
        return acc
    }
}
