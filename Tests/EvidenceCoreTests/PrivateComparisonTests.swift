import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct PrivateComparisonTests {
    let key = testPaillierKey

    func compare(_ a: BigInt, _ b: BigInt, _ op: PrivateComparison.Operation, bits: Int) throws -> Bool {
        let sent = try PrivateComparison.encryptOwn(b, op: op, bits: bits, key: key)
        let answer = try PrivateComparison.answer(a, to: sent, op: op, bits: bits, publicKey: key.publicKey)
        return try PrivateComparison.result(answer, op: op, key: key)
    }

    @Test func edgeValues() throws {
        let bits = 16
        let edges: [Int] = [0, 1, -1, 2, -2, 32767, -32768, 32766, -32767, 255, 256]
        for a in edges {
            for b in edges {
                #expect(try compare(BigInt(a), BigInt(b), .ge, bits: bits) == (a >= b), "\(a) ≥ \(b)")
                #expect(try compare(BigInt(a), BigInt(b), .eq, bits: bits) == (a == b), "\(a) = \(b)")
            }
        }
    }

    @Test func randomPairs() throws {
        for _ in 0..<60 {
            let a = Int.random(in: -(1 << 31)..<(1 << 31))
            let b = Bool.random() ? a + Int.random(in: -2...2) : Int.random(in: -(1 << 31)..<(1 << 31))
            #expect(try compare(BigInt(a), BigInt(b), .ge, bits: 33) == (a >= b), "\(a) ≥ \(b)")
            #expect(try compare(BigInt(a), BigInt(b), .eq, bits: 33) == (a == b), "\(a) = \(b)")
        }
    }

    @Test func fullWidth64() throws {
        let pairs: [(Int, Int)] = [(Int.max, Int.max), (Int.max, Int.max - 1), (Int.min, Int.min), (Int.min, Int.max), (Int.max, Int.min), (0, Int.min)]
        for (a, b) in pairs {
            #expect(try compare(BigInt(a), BigInt(b), .ge, bits: 64) == (a >= b), "\(a) ≥ \(b)")
        }
    }

    @Test func outOfRangeIsRefused() {
        #expect(throws: EvidenceError.self) { try PrivateComparison.encryptOwn(BigInt(128), op: .ge, bits: 8, key: key) }
        #expect(throws: EvidenceError.self) { try PrivateComparison.encryptOwn(BigInt(-129), op: .ge, bits: 8, key: key) }
    }

    /// What B decrypts carries only the bit: at most one zero, every other
    /// value a unit unrelated to the inputs (never a small number).
    @Test func keyHolderSeesOnlyTheBit() throws {
        for (a, b) in [(3, 7), (7, 3), (5, 5)] {
            let sent = try PrivateComparison.encryptOwn(BigInt(b), op: .ge, bits: 8, key: key)
            let answer = try PrivateComparison.answer(BigInt(a), to: sent, op: .ge, bits: 8, publicKey: key.publicKey)
            let plain = answer.map { key.decryptResidue($0) }
            #expect(plain.filter(\.isZero).count == (a < b ? 1 : 0))
            #expect(plain.filter { !$0.isZero }.allSatisfy { $0.bitWidth > 64 })
        }
    }
}
