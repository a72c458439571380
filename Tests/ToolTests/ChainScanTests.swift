import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// The parallel scan finds exactly what a plain reading of every entry finds,
/// whatever the split points.
@Test func chainScanOnEveryCoreFindsWhatASequentialReadFinds() throws {
    let dir = try TemporaryDirectory()
    let chain = dir.file("c").path
    #expect(try Tools.run("evchain", ["init", chain, "--origin", "scan.example/log"]).status == 0)
    var lines: [String] = []
    for i in 0..<3000 {
        let contract = "C\(i % 37)"
        let stage = ["esign", "face", "liveness", "performance"][i % 4]
        // Ids that need escaping, and repeats (re-deposits), are part of the test.
        let id = i % 500 == 7 ? "C7/esign/\"quoted\" 合同.pdf" : "\(contract)/\(stage)/doc\(i % 1200)"
        let digest = String(repeating: String(i % 16, radix: 16), count: 64)
        lines.append(#"{"id":"\#(id.replacingOccurrences(of: "\"", with: "\\\""))","contract":"\#(contract)","stage":"\#(stage)","alg":"sha256","digest":"\#(digest)"}"#)
    }
    #expect(try Tools.run("evchain", ["append", chain], stdin: lines.joined(separator: "\n")).status == 0)

    let wanted: Set<String> = ["C7/esign/\"quoted\" 合同.pdf", "C3/liveness/doc3", "C0/esign/doc0", "nope"]
    let store = try ChainStore(path: chain, access: .read)
    var expected: [String: [UInt64]] = [:]
    var stages: [String: Set<String>] = [:]
    for seq in 0..<(try store.size()) {
        let e = try store.entry(seq)
        let id = e.record["id"]!.stringValue!
        if wanted.contains(id) { expected[id, default: []].append(seq) }
        if ["C3", "C36"].contains(e.record["contract"]!.stringValue!) {
            stages[e.record["contract"]!.stringValue!, default: []].insert(e.record["stage"]!.stringValue!)
        }
    }
    #expect(expected["C7/esign/\"quoted\" 合同.pdf"]?.count == 6)
    for minimum: UInt64 in [100_000, 1000, 7] {
        ChainScan.minimumEntriesPerWorker = minimum
        defer { ChainScan.minimumEntriesPerWorker = 100_000 }
        let scan = try ChainScan(store: store, ids: Set(wanted.map(\.exact)), contracts: ["C3", "C36"])
        #expect(Dictionary(uniqueKeysWithValues: scan.entriesByID.map { ($0.key.string, $0.value.map(\.seq)) }) == expected)
        #expect(Dictionary(uniqueKeysWithValues: scan.stagesByContract.map { ($0.key.string, Set($0.value.map(\.string))) }) == stages)
    }
}
