import Foundation
import Testing

/// The whole pipeline a bank runs, as in examples/run.sh: evhash → evchain →
/// evverify → evcatalog, with one original altered after it was logged.
@Suite struct EvcatalogPipelineTests {
    @Test func aTamperedOriginalIsMarkedInTheCatalogueAndFailsIt() throws {
        let dir = try TemporaryDirectory()
        let contracts = dir.file("contracts")
        try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("examples/contracts"), to: contracts)
        let manifest = try String(contentsOf: contracts.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(#""C2025-0001""#) }.joined(separator: "\n") + "\n"
        try dir.write("originals.jsonl", manifest)

        let records = try Tools.run("evhash", ["--root", contracts.path], stdin: manifest)
        #expect(records.status == 0, "\(records.stderr)")
        #expect(try Tools.run("evchain", ["init", "bank.chain", "--origin", "bank.example/test"], directory: dir.url).status == 0)
        let keygen = try Tools.run("evchain", ["keygen", "--name", "bank.example/test", "--out", "log.key"], directory: dir.url)
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let logKey = keygen.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let append = try Tools.run("evchain", ["append", "bank.chain"], stdin: records.stdout, directory: dir.url)
        #expect(append.status == 0, "\(append.stderr)")
        let seal = try Tools.run("evchain", ["checkpoint", "bank.chain", "--key", "log.key", "--out", "checkpoint.signed"], directory: dir.url)
        #expect(seal.status == 0, "\(seal.stderr)")

        // After logging, someone edits the signed contract.
        let contract = contracts.appendingPathComponent("C2025-0001/esign/contract.pdf")
        var bytes = try Data(contentsOf: contract)
        bytes.append(contentsOf: Array("% amended\n".utf8))
        try bytes.write(to: contract)

        // The sample contract has no enforcement (execution) evidence: evverify reports the gap.
        let verdicts = try Tools.run("evverify", ["--chain", "bank.chain", "--checkpoint", "checkpoint.signed", "--log-key", logKey, "--no-witness",
                                                  "--root", contracts.path, "--require-stages", "esign,execution", "--accept-bank-index",
                                                  "originals.jsonl"], directory: dir.url)
        #expect(verdicts.status == 1, "evverify finds the mismatch: \(verdicts.stderr)")

        let catalogue = try Tools.run("evcatalog", [], stdin: verdicts.stdout)
        #expect(catalogue.status == 1)
        #expect(catalogue.stderr.contains("1 failed verification, 1 required stage missing"), "\(catalogue.stderr)")
        let rows = catalogue.objects
        #expect(rows.count == 11)
        #expect(rows.filter { $0["flagged"] as? Bool == true }.map { $0["id"] as? String ?? "\($0["contract"]!)/\($0["stage"]!)" }
                == ["C2025-0001/esign/contract.pdf", "C2025-0001/execution"])
        let tampered = try #require(rows.first)
        #expect(tampered["status"] as? String == "mismatch")
        #expect((tampered["actual"] as? String)?.count == 64 && tampered["actual"] as? String != tampered["digest"] as? String)
        #expect(rows.filter { $0["status"] as? String == "ok" }.count == 9)
        #expect(rows.allSatisfy { $0["status"] as? String != "ok" || ($0["seq"] != nil && $0["logged"] != nil) })
        let gap = try #require(rows.first { $0["status"] as? String == "absent" })
        #expect(gap["stage"] as? String == "execution" && (gap["reason"] as? String)?.contains("execution") == true)

        // The log's entries alone make a catalogue too, labelled not verified.
        let show = try Tools.run("evchain", ["show", "bank.chain"], directory: dir.url)
        #expect(show.status == 0, "\(show.stderr)")
        let fromLog = try Tools.run("evcatalog", ["--accept-unverified", "--format", "csv"], stdin: show.stdout)
        #expect(fromLog.status == 0, "\(fromLog.stderr)")
        #expect(fromLog.out.components(separatedBy: "【未核验】仅有存证记录").count - 1 == 10)
    }
}
