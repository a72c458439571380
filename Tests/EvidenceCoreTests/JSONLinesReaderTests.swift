import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

private func reader(_ contents: [UInt8], maximumLineLength: Int = JSONLinesReader.defaultMaximumLineLength) throws -> JSONLinesReader {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("jsonl-\(UUID().uuidString)").path
    try Data(contents).write(to: URL(fileURLWithPath: path))
    defer { unlink(path) }
    return try JSONLinesReader.open(path, maximumLineLength: maximumLineLength)
}

@Test func readsLinesSkippingBlanksWithCRLFAndNoFinalNewline() throws {
    let r = try reader(Array("{\"a\":1}\r\n\n  \t\r\n{\"a\":2}\n{\"a\":3}".utf8))
    var seen: [(Int, Double)] = []
    while let object = try r.nextObject() {
        seen.append((r.lineNumber, object["a"]!.numberValue!))
    }
    #expect(seen.map(\.0) == [1, 4, 5])
    #expect(seen.map(\.1) == [1, 2, 3])
}

@Test func reportsFileAndLineOnBadJSON() throws {
    let r = try reader(Array("{\"a\":1}\n\n{\"a\":}\n".utf8))
    _ = try r.nextObject()
    do {
        _ = try r.nextObject()
        Issue.record("accepted bad JSON")
    } catch let error as EvidenceError {
        #expect(error.location?.hasSuffix(":3") == true)
        #expect(error.description.contains("expected a value"))
    }
}

@Test func refusesNonObjectLines() throws {
    let r = try reader(Array("[1,2]\n".utf8))
    #expect(throws: EvidenceError.self) { try r.nextObject() }
}

@Test func refusesOverlongLinesWithoutBufferingThem() throws {
    let long = [UInt8](repeating: UInt8(ascii: "a"), count: 5000)
    let r = try reader(Array("{\"a\":1}\n\"".utf8) + long + Array("\"\n".utf8), maximumLineLength: 1000)
    _ = try r.nextValue()
    do {
        _ = try r.nextValue()
        Issue.record("accepted an overlong line")
    } catch let error as EvidenceError {
        #expect(error.description.hasSuffix(":2: line longer than 1000 bytes"))
    }
}

@Test func readsLinesAcrossBufferBoundaries() throws {
    // Many lines of varying length, so that lines straddle every read boundary.
    var text = ""
    for i in 0..<20_000 { text += "{\"n\":\(i),\"pad\":\"" + String(repeating: "x", count: i % 97) + "\"}\n" }
    let r = try reader(Array(text.utf8), maximumLineLength: 200)
    var count = 0
    while let object = try r.nextObject() {
        #expect(object["n"]?.integerValue == count)
        count += 1
    }
    #expect(count == 20_000)
}
