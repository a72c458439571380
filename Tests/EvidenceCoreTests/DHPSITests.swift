import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidencePSI

/// Both parties of DH-PSI in one process, as `evpsi psi request|respond|finish`
/// run them: messages in memory, state files in a temporary directory.
@Suite struct DHPSITests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dhpsi-unit-\(UUID().uuidString)").path

    func items(_ name: String, _ ids: [String], extra: (String) -> String = { _ in "" }) throws -> PSIItemReader {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = "\(dir)/\(name).jsonl"
        try Data(ids.map { #"{"id":"\#($0)"\#(extra($0))}"# + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
        return try PSIItemReader(paths: [path], options: PSIItemOptions())
    }

    func run(mode: PSIMode, b: [String], a: [String], group: any PSIGroup = P256Group.shared) throws -> [JSONValue] {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let session = PSIProtocol.newSession()
        let requestMessage = PSIMessageBuffer(), responseMessage = PSIMessageBuffer()
        let request = try DHPSI.request(channel: PSIChannel(insecureUnsignedWithSigner: nil), items: try items("b", b), group: group, mode: mode, session: session,
                                        statePath: "\(dir)/b.state", out: .memory(requestMessage))
        #expect(request["count"] == .number(Double(b.count)))
        _ = try DHPSI.respond(channel: PSIChannel(insecureUnsignedWithSigner: nil), request: .bytes(requestMessage.bytes, name: "request"), items: try items("a", a, extra: { #","label":"L-\#($0)""# }),
                              group: group, mode: mode, labelField: mode == .labels ? "label" : nil,
                              out: .memory(responseMessage))
        var learned: [JSONValue] = []
        _ = try DHPSI.finish(channel: PSIChannel(insecureUnsignedWithSigner: nil), response: .bytes(responseMessage.bytes, name: "response"), statePath: "\(dir)/b.state",
                             items: { try items("b", b) }) { learned.append($0) }
        return learned
    }

    @Test func bLearnsExactlyTheCommonItemsInItsOwnOrder() throws {
        let learned = try run(mode: .intersection, b: ["c3", "x1", "c1", "x2", "c2"], a: ["c1", "y1", "c2", "c3", "y2"])
        #expect(learned.compactMap { $0.objectValue?["id"]?.stringValue } == ["c3", "c1", "c2"])
    }

    @Test func cardinalityModeGivesOnlyTheCount() throws {
        let learned = try run(mode: .cardinality, b: ["c1", "x1", "c2"], a: ["c2", "c1", "y1", "y2"], group: ModPGroup.ffdhe2048)
        #expect(learned.count == 1)
        #expect(learned[0].objectValue?["cardinality"] == .number(2))
    }

    @Test func labelsModeOpensOnlyTheMatchedLabels() throws {
        let learned = try run(mode: .labels, b: ["c1", "x1"], a: ["c1", "y1"])
        #expect(learned.count == 1)
        #expect(learned[0].objectValue?["label"] == .string("L-c1"))
    }
}
