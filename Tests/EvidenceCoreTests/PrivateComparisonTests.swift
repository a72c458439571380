import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct PrivateComparisonTests {
    let key = testPaillierKey
    let dgk = testDGKKey

    func compare(_ a: BigInt, _ b: BigInt, _ op: PrivateComparison.Operation, bits: Int) throws -> Bool {
        switch op {
        case .eq:
            let sent = try PrivateComparison.encryptOwn(b, key: key)
            return PrivateComparison.result(try PrivateComparison.answer(a, to: sent, publicKey: key.publicKey), key: key)
        case .ge:
            let sent = try PrivateComparison.encryptOwn(b, bits: bits, key: dgk)
            let answer = try PrivateComparison.answer(a, to: sent, bits: bits, responder: testResponder)
            return try PrivateComparison.result(answer, key: dgk)
        }
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
        #expect(throws: EvidenceError.self) { try PrivateComparison.encryptOwn(BigInt(128), bits: 8, key: dgk) }
        #expect(throws: EvidenceError.self) { try PrivateComparison.encryptOwn(BigInt(-129), bits: 8, key: dgk) }
        let sent = try! PrivateComparison.encryptOwn(BigInt(1), bits: 8, key: dgk)
        #expect(throws: EvidenceError.self) { try PrivateComparison.answer(BigInt(128), to: sent, bits: 8, responder: testResponder) }
    }

    /// What B decrypts carries only the bit: at most one zero, every other
    /// value blinded (r_i·c_i, uniform on Z_u \\ {0}), so not the unblinded
    /// c_i ≤ 3ℓ − 1 = 23: all seven nonzero values at most 23 by chance has
    /// probability (23/192)^7 < 10^−6 (the test key's u is 193).
    @Test func keyHolderSeesOnlyTheBit() throws {
        for (a, b) in [(3, 7), (7, 3), (5, 5)] {
            let sent = try PrivateComparison.encryptOwn(BigInt(b), bits: 8, key: dgk)
            let answer = try PrivateComparison.answer(BigInt(a), to: sent, bits: 8, responder: testResponder)
            let plain = try answer.map { try dgk.decrypt($0) }
            #expect(plain.filter { $0 == 0 }.count == (a < b ? 1 : 0))
            #expect(plain.filter { $0 != 0 }.contains { $0 > 3 * 8 - 1 })
        }
    }
}
