import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidencePSI

/// Intersection-sum and comparisons with both parties in one process: every
/// message in memory (`PSIMessageBuffer` → `.bytes`), only the parties'
/// secret states and A's and B's item files in a temporary directory.
@Suite struct PSIProtocolsInMemoryTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("psi-memory-\(UUID().uuidString)").path
    static let key = try! PaillierPrivateKey.generate(bits: 512, allowInsecure: true)

    func items(_ name: String, _ rows: [(String, Int)]) throws -> PSIItemReader {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/\(name).jsonl"
        try Data(rows.map { #"{"id":"\#($0.0)","value":\#($0.1)}"# + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
        return try PSIItemReader(paths: [path], options: PSIItemOptions())
    }

    func channel() -> PSIChannel { PSIChannel(insecureUnsignedWithSigner: nil) }

    @Test func intersectionSumGivesBTheSumOverTheCommonIdentifiers() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m1 = PSIMessageBuffer(), m2 = PSIMessageBuffer(), m3 = PSIMessageBuffer()
        let group = P256Group.shared
        _ = try IntersectionSum.start(channel: channel(), items: try items("a", [("c1", 0), ("c2", 0), ("y", 0)]), group: group,
                                      session: PSIProtocol.newSession(), statePath: "\(dir)/a.state", out: .memory(m1))
        _ = try IntersectionSum.reply(channel: channel(), message: .bytes(m1.bytes, name: "m1"),
                                      items: try items("b", [("c1", 5), ("c2", 30), ("x", 700)]), valueField: "value",
                                      key: Self.key, group: group, statePath: "\(dir)/b.state", out: .memory(m2))
        let finish = try IntersectionSum.finish(channel: channel(), message: .bytes(m2.bytes, name: "m2"), statePath: "\(dir)/a.state",
                                                allowInsecureKey: true, out: .memory(m3))
        #expect(finish["cardinality"] == .number(2))
        let result = try IntersectionSum.result(channel: channel(), message: .bytes(m3.bytes, name: "m3"), statePath: "\(dir)/b.state", key: Self.key)
        #expect(result["sum"] == .number(35))
        #expect(result["cardinality"] == .number(2))
    }

    @Test func comparisonsGiveBOnlyTheResultBits() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let c1 = PSIMessageBuffer(), c2 = PSIMessageBuffer()
        func rows(_ list: [(String, Int)]) -> [(JSONObject, String)] {
            list.enumerated().map { (["id": .string($1.0), "value": .number(Double($1.1))], "mem:\($0 + 1)") }
        }
        let b = rows([("k1", 10), ("k2", 50), ("k3", -3)])
        let a = rows([("k3", -3), ("k2", 40), ("k1", 11)])   // paired by id, not by order
        _ = try PrivateComparison.request(channel: channel(), items: b, join: ["id"], valueField: "value", op: .ge, bits: 16,
                                          key: Self.key, session: PSIProtocol.newSession(), statePath: "\(dir)/c.state", out: .memory(c1))
        _ = try PrivateComparison.respond(channel: channel(), message: .bytes(c1.bytes, name: "c1"), items: a, join: ["id"],
                                          valueField: "value", allowInsecureKey: true, out: .memory(c2))
        let results = try PrivateComparison.result(channel: channel(), message: .bytes(c2.bytes, name: "c2"), statePath: "\(dir)/c.state",
                                                   items: b, key: Self.key)
        // a ≥ b: 11 ≥ 10, 40 ≥ 50, -3 ≥ -3.
        #expect(results.map { $0.objectValue?["result"] } == [.bool(true), .bool(false), .bool(true)])
    }

    @Test func aMessageAlteredInMemoryIsRefusedWithItsLine() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m1 = PSIMessageBuffer()
        _ = try IntersectionSum.start(channel: channel(), items: try items("a", [("c1", 0), ("c2", 0)]), group: P256Group.shared,
                                      session: PSIProtocol.newSession(), statePath: "\(dir)/a.state", out: .memory(m1))
        var bytes = m1.bytes
        let secondLine = bytes.firstIndex(of: 0x0a)! + 8
        bytes[secondLine] = bytes[secondLine] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let error = #expect(throws: EvidenceError.self) {
            try IntersectionSum.reply(channel: channel(), message: .bytes(bytes, name: "m1"),
                                      items: try items("b", [("c1", 5)]), valueField: "value",
                                      key: Self.key, group: P256Group.shared, statePath: "\(dir)/b.state", out: .memory(PSIMessageBuffer()))
        }
        #expect(error?.location?.hasPrefix("m1:") == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/b.state"))
    }
}
