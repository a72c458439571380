import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Suite struct JSONDocumentFileTests {
    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString).json").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsPrettyPrintedDocumentsAndSkipsAByteOrderMark() throws {
        let path = try file([0xEF, 0xBB, 0xBF] + Array("{\n  \"serial\": \"S-1\"\n}\n".utf8))
        defer { unlink(path) }
        #expect(try JSONDocumentFile.read(path, as: CatalogueInput.certificateSerial) == "S-1")
    }

    @Test func errorsNameTheFile() throws {
        let path = try file(Array(#"{"serial":""}"#.utf8))
        defer { unlink(path) }
        do {
            _ = try JSONDocumentFile.read(path, as: CatalogueInput.certificateSerial)
            Issue.record("accepted an empty serial")
        } catch let error as EvidenceError {
            #expect(error.location == path && error.exitStatus == 2)
        }
        do {
            _ = try JSONDocumentFile.read(path + ".absent")
            Issue.record("read a missing file")
        } catch let error as EvidenceError {
            #expect(error.exitStatus == 3 && error.message.hasPrefix("cannot open"))
        }
    }
}
