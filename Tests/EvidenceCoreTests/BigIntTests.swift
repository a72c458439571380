import Foundation
import Testing
import PythonHelpers
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct BigIntTests {
    @Test func decimalAndHexRoundTrip() throws {
        let text = "-123456789012345678901234567890123456789"
        let x = try #require(BigInt(text))
        #expect(x.description == text)
        #expect(x.isNegative)
        let h = try #require(BigInt(hex: "deadbeefcafebabe0123456789"))
        #expect(h.hex == "deadbeefcafebabe0123456789")
        #expect(BigInt(hex: "0")!.isZero)
    }

    @Test(arguments: ["", "-", " 12", "12 ", "1_0", "0x10", "12a", "+5"])
    func rejectsMalformedDecimal(text: String) {
        #expect(BigInt(text) == nil)
    }

    @Test func bytesBigEndian() throws {
        let x = BigInt(bigEndian: [0x00, 0x01, 0x02, 0x03])
        #expect(x == BigInt(0x010203))
        #expect(x.bigEndianBytes == [1, 2, 3])
        #expect(x.bigEndianBytes(length: 5) == [0, 0, 1, 2, 3])
        #expect(x.bigEndianBytes(length: 2) == nil)
        #expect(BigInt.zero.bigEndianBytes == [])
        #expect(BigInt.zero.bigEndianBytes(length: 2) == [0, 0])
    }

    @Test func arithmeticKnownValues() throws {
        // 2^127 - 1 is a Mersenne prime; 2^128 + 1 = 59649589127497217 × 5704689200685129054721.
        let m127 = BigInt.one.shiftedLeft(127) - BigInt.one
        #expect(m127.description == "170141183460469231731687303715884105727")
        #expect(m127.isProbablePrime)
        let f7 = BigInt.one.shiftedLeft(128) + BigInt.one
        #expect(!f7.isProbablePrime)
        #expect(BigInt("59649589127497217")! * BigInt("5704689200685129054721")! == f7)
        #expect(BigInt(-7).mod(BigInt(3)) == BigInt(2))     // Python: -7 % 3 == 2
        #expect(BigInt(-7) / BigInt(2) == BigInt(-4))       // Python: -7 // 2 == -4
        #expect(BigInt.gcd(BigInt(84), BigInt(36)) == BigInt(12))
        #expect(BigInt.lcm(BigInt(4), BigInt(6)) == BigInt(12))
        #expect(BigInt(3).inverse(BigInt(7)) == BigInt(5))
        #expect(BigInt(6).inverse(BigInt(9)) == nil)
        #expect(BigInt(4).powm(BigInt(13), BigInt(497)) == BigInt(445))
        #expect(BigInt(4).powmSecret(BigInt(13), BigInt(497)) == BigInt(445))
        #expect(BigInt(2).jacobi(BigInt(7)) == 1)
        #expect(BigInt(3).jacobi(BigInt(7)) == -1)
        #expect(BigInt(1000).bitWidth == 10)
        #expect(BigInt(Int.max).intValue == Int.max)
        #expect((BigInt(Int.max) + 1).intValue == nil)
    }

    @Test func randomRanges() {
        let n = BigInt(1000)
        for _ in 0..<200 {
            let r = BigInt.random(below: n)
            #expect(r >= .zero && r < n)
            #expect(BigInt.random(bits: 13).bitWidth <= 13)
        }
        let p = BigInt.randomPrime(bits: 256)
        #expect(p.bitWidth == 256 && p.bit(254) && p.isProbablePrime)
        let q = BigInt.randomPrime(bits: 129)
        #expect(q.bitWidth == 129 && q.bit(127))
    }

    /// Random operands checked against Python's integers in one python3 run.
    @Test func matchesPython() throws {
        var lines: [String] = []
        var expected: [String] = []
        let m = BigInt.randomPrime(bits: 521)
        for i in 0..<60 {
            let a = BigInt.random(bits: 300 + i * 7) - BigInt.random(bits: 200)
            let b = BigInt.random(bits: 100 + i * 5) + BigInt.one
            let e = BigInt.random(bits: 256) + BigInt.one
            lines.append("a=\(a);b=\(b);e=\(e);m=\(m)")
            lines.append("print(a+b, a-b, a*b, a//b, a%b, pow(a,e,m), pow(b,-1,m), hex(abs(a))[2:])")
            let inv = b.inverse(m)!
            expected.append([a + b, a - b, a * b, a / b, a.mod(b), a.powmSecret(e, m), inv]
                .map(\.description).joined(separator: " ") + " " + (a.isNegative ? (-a).hex : a.hex))
        }
        let result = try runPython(lines.joined(separator: "\n"))
        #expect(result == expected)
    }
}

/// Runs a Python 3 program and returns its stdout lines.
func runPython(_ program: String, requires packages: [String] = []) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try Python.require(packages))
    process.arguments = ["-c", program]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("py-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    try Data().write(to: out)
    try Data().write(to: err)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: try Data(contentsOf: out), as: UTF8.self)
    if process.terminationStatus != 0 {
        let message = String(decoding: try Data(contentsOf: err), as: UTF8.self)
        throw PythonFailure(message: message)
    }
    return text.split(separator: "\n").map(String.init)
}

struct PythonFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "python3 failed: \(message)" }
}
