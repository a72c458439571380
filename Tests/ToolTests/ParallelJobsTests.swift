import Foundation
import Testing

/// Beyond one machine (issue 21): bucketed DH-PSI run as GNU parallel jobs
/// and as a Slurm job array (its tasks run here one by one), and a case
/// verified in chunks; the merged answers equal one job's.
@Suite struct ParallelJobsTests {
    static let scripts = Repository.root.appendingPathComponent("examples/parallel")
    let bank: TemporaryDirectory
    let commission: TemporaryDirectory
    var settings: [String: String]
    let expected: [String]

    init() throws {
        bank = try TemporaryDirectory()
        commission = try TemporaryDirectory()
        let shared = (0..<25).map { "ID\($0)" }
        let bankItems = shared + (0..<35).map { "B\($0)" }
        let commissionItems = shared + (0..<30).map { "A\($0)" }
        _ = try bank.write("items.jsonl", bankItems.map { #"{"idno":"\#($0)","contract":"C1"}"# + "\n" }.joined())
        _ = try commission.write("items.jsonl", commissionItems.map { #"{"idno":"\#($0)","contract":"C1"}"# + "\n" }.joined())
        var vkeys: [String] = []
        for (dir, name) in [(bank, "bank.example/psi"), (commission, "commission.example/psi")] {
            let k = try Tools.run("evchain", ["keygen", "--name", name, "--out", "psi.key"], directory: dir.url)
            #expect(k.status == 0, "\(k.stderr)")
            vkeys.append(k.out.trimmingCharacters(in: .whitespacesAndNewlines))
            // The bucket key both parties agreed on.
            try Data((0..<32).map { UInt8($0 * 7 & 0xff) }).write(to: dir.file("bucket.key"))
            chmod(dir.file("bucket.key").path, 0o600)
        }
        _ = try commission.write("policy.json", #"{"purposes":["tests"],"peers":["\#(vkeys[0])"],"max_items":1000,"expires":"2030-01-01T00:00:00Z"}"# + "\n")
        settings = [
            "PATH": Tools.binDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "PSI_KEY": "idno,contract", "PSI_PURPOSE": "tests", "PSI_BUCKETS": "4",
            "BANK_ITEMS": "items.jsonl", "COMMISSION_ITEMS": "items.jsonl", "COMMISSION_POLICY": "policy.json",
            "BANK_VKEY": vkeys[0], "COMMISSION_VKEY": vkeys[1],
        ]
        expected = shared.map { #"{"idno":"\#($0)","contract":"C1"}"# }.sorted()
    }

    @Test func bucketsAsGNUParallelJobsGiveTheOneJobAnswer() throws {
        var env = settings
        env["JOBS"] = "2"
        let r = try Tools.runExecutable("/bin/bash", [Self.scripts.appendingPathComponent("psi-buckets.sh").path,
                                                      bank.url.path, commission.url.path], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.sorted() == expected, "\(r.out)")
        // Every bucket was a session of its own, and every one answered.
        for b in 0..<4 { #expect(FileManager.default.fileExists(atPath: bank.file("m.\(b).jsonl").path)) }
    }

    @Test func bucketsAsASlurmArrayGiveTheOneJobAnswer() throws {
        let script = Self.scripts.appendingPathComponent("psi-buckets.slurm").path
        func task(_ step: String, _ bucket: Int, _ dir: TemporaryDirectory, _ party: [String: String]) throws {
            var env = settings.merging(party) { $1 }
            env["STEP"] = step
            env["SLURM_ARRAY_TASK_ID"] = String(bucket)
            env["SLURM_SUBMIT_DIR"] = Self.scripts.path
            env["PSI_DIR"] = dir.url.path
            let r = try Tools.runExecutable("/bin/bash", [script], environment: env)
            #expect(r.status == 0, "\(step) \(bucket): \(r.stderr)")
        }
        let bankParty = ["PSI_ITEMS": "items.jsonl", "PSI_SIGN": "psi.key", "PSI_PEER": settings["COMMISSION_VKEY"]!]
        let commissionParty = ["PSI_ITEMS": "items.jsonl", "PSI_SIGN": "psi.key", "PSI_PEER": settings["BANK_VKEY"]!,
                               "PSI_POLICY": "policy.json"]
        for b in 0..<4 { try task("request", b, bank, bankParty) }
        for b in 0..<4 { try FileManager.default.copyItem(at: bank.file("q.\(b)"), to: commission.file("q.\(b)")) }
        for b in 0..<4 { try task("respond", b, commission, commissionParty) }
        for b in 0..<4 { try FileManager.default.copyItem(at: commission.file("r.\(b)"), to: bank.file("r.\(b)")) }
        for b in 0..<4 { try task("finish", b, bank, bankParty) }
        let merged = try (0..<4).flatMap { b in
            try String(contentsOf: bank.file("m.\(b).jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        #expect(merged.sorted() == expected)
        // Outside an array task the script refuses to guess a bucket.
        let alone = try Tools.runExecutable("/bin/bash", [script], environment: settings.merging(["STEP": "request"]) { $1 })
        #expect(alone.status != 0 && alone.stderr.contains("not run as an array task"), "\(alone.stderr)")
    }

    @Test func aCaseVerifiedInChunksGivesTheVerdictsAndCatalogueOfOneRun() throws {
        let f = try ChainFixture()
        let contracts = Repository.root.appendingPathComponent("examples/contracts")
        let manifest = try Data(contentsOf: contracts.appendingPathComponent("manifest.jsonl"))
        let records = try Tools.run("evhash", ["--root", contracts.path], stdin: manifest)
        #expect(records.status == 0, "\(records.stderr)")
        #expect(try Tools.run("evchain", ["append", f.chain], stdin: records.stdout).status == 0)
        #expect(try f.checkpoint().status == 0)
        let options = ["--chain", f.chain, "--log-key", f.key + ".pub", "--no-witness", "--root", contracts.path]
        let single = try Tools.run("evverify", options, stdin: manifest)
        #expect(single.status == 0, "\(single.stderr)")
        let items = try f.dir.write("case.jsonl", manifest)
        let chunked = try Tools.runExecutable("/bin/bash", [Self.scripts.appendingPathComponent("verify-chunks.sh").path, "4", items.path] + options,
                                              environment: ["PATH": settings["PATH"]!, "JOBS": "2"])
        #expect(chunked.status == 0, "\(chunked.stderr)")
        #expect(chunked.lines.count == single.lines.count && chunked.lines.count == 31)
        #expect(chunked.out == single.out)
        let a = try f.dir.write("single.jsonl", single.stdout), b = try f.dir.write("chunked.jsonl", chunked.stdout)
        let catalogues = try [a, b].map { try Tools.run("evcatalog", ["--format", "md", $0.path]) }
        #expect(catalogues[0].out == catalogues[1].out && !catalogues[0].out.isEmpty)
        // Options that judge a contract's items together are refused.
        let complete = try Tools.runExecutable("/bin/bash", [Self.scripts.appendingPathComponent("verify-chunks.sh").path, "4", items.path, "--complete"] + options,
                                               environment: ["PATH": settings["PATH"]!])
        #expect(complete.status == 2 && complete.stderr.contains("--complete judges a contract's items together"), "\(complete.stderr)")
    }

    /// A chunk that finds a failure makes the whole run exit 1, and every
    /// other chunk's verdicts are still there.
    @Test func aFailureInOneChunkIsTheRunsStatus() throws {
        let f = try ChainFixture()
        let lines = records(12).split(separator: "\n")
        #expect(try f.append(lines.joined(separator: "\n") + "\n").status == 0)
        #expect(try f.checkpoint().status == 0)
        var presented = lines.map(String.init)
        presented[9] = presented[9].replacingOccurrences(of: #""digest":"[0-9a-f]{64}""#, with: #""digest":"\#(String(repeating: "0", count: 64))""#,
                                                         options: .regularExpression)
        let items = try f.dir.write("items.jsonl", presented.joined(separator: "\n") + "\n")
        let r = try Tools.runExecutable("/bin/bash", [Self.scripts.appendingPathComponent("verify-chunks.sh").path, "3", items.path,
                                                      "--chain", f.chain, "--log-key", f.vkey, "--no-witness", "--records-only"],
                                        environment: ["PATH": settings["PATH"]!])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.objects.count == 12)
        #expect(r.objects.map { $0["status"] as? String }.filter { $0 != "ok" }.count == 1, "\(r.out)")
    }
}
