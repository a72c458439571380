import Foundation
import Testing
import FuzzSupport

/// Process-level fuzz (issue 14): each tool, run as a user runs it, on
/// mutants of a valid input (its stdin, or the file it is given) made once
/// by the tools themselves. Whatever the input, a tool exits 0, 1, 2 or 3
/// (a trap shows as its signal number: 4 SIGILL, 5 SIGTRAP, 6 SIGABRT, 11
/// SIGSEGV), says why on stderr as `tool: …`, and writes only whole lines.
/// `EVIDENCE_FUZZ_PROCESSES` sets the mutants per tool (FuzzSettings).
@Suite struct ToolFuzzTests {
    /// A small real flow on contract C2025-0001 of the samples, in a scratch directory.
    final class Fixture {
        let dir: TemporaryDirectory
        let contracts = Repository.root.appendingPathComponent("examples/contracts").path
        let manifest: Data
        let records: Data
        let logKey: String, witnessKey: String, issuerKey: String

        init() throws {
            let dir = try TemporaryDirectory()
            self.dir = dir
            let all = try String(contentsOfFile: contracts + "/manifest.jsonl", encoding: .utf8)
            manifest = Data(all.split(separator: "\n").filter { $0.contains("\"C2025-0001\"") }.map { $0 + "\n" }.joined().utf8)
            @discardableResult
            func run(_ tool: String, _ args: [String], stdin: Data = Data()) throws -> ToolResult {
                let r = try Tools.run(tool, args, stdin: stdin, directory: dir.url)
                guard r.status == 0 else { throw FixtureError(message: "\(tool) \(args): \(r.stderr)") }
                return r
            }
            func keygen(_ args: [String]) throws -> String {
                try run("evchain", ["keygen"] + args).out.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let records = try run("evhash", ["--root", contracts], stdin: manifest).stdout
            self.records = records
            try run("evchain", ["init", "bank.chain", "--origin", "bank.example/evidence/2026"])
            let logKey = try keygen(["--name", "bank.example/evidence/2026", "--out", "log.key"])
            let witnessKey = try keygen(["--witness", "--name", "notary.example/witness", "--out", "notary.key"])
            self.logKey = logKey
            self.witnessKey = witnessKey
            issuerKey = try keygen(["--name", "notary.example/custody", "--out", "custody.key"])
            try run("evchain", ["append", "bank.chain"], stdin: records)
            try run("evchain", ["checkpoint", "bank.chain", "--key", "log.key", "--out", "checkpoint.signed"])
            try FileManager.default.createDirectory(at: dir.file("notary-state"), withIntermediateDirectories: true)
            let cosigned = try run("evchain", ["cosign", "--witness-key", "notary.key", "--log-key", logKey,
                                               "--state", "notary-state", "--init"], stdin: try Data(contentsOf: dir.file("checkpoint.signed")))
            try dir.write("checkpoint.cosigned", cosigned.stdout)
            try dir.write("proofs.jsonl", try run("evchain", ["prove", "bank.chain", "--checkpoint", "checkpoint.cosigned"],
                                                  stdin: records).stdout)
            try run("evverify", ["certify", "--proofs", "proofs.jsonl", "--log-key", logKey, "--witness-key", witnessKey,
                                 "--root", contracts, "--issuer-key", "custody.key", "--out", "cert.json"], stdin: manifest)
            try dir.write("verdicts.jsonl", try run("evverify", verifyArguments + ["proofs.jsonl"], stdin: manifest).stdout)
            for file in ["defaults.jsonl", "docket.jsonl"] {
                try dir.write(file, try Data(contentsOf: Repository.root.appendingPathComponent("examples/psi/\(file)")))
            }
            try run("evpsi", unsignedForTests(["psi", "request", "--key", "idno,contract", "--group", "p256", "--state", "psi.state",
                              "-o", "req.msg", "defaults.jsonl"]))
            try run("evpsi", unsignedForTests(["psi", "respond", "--key", "idno,contract", "--group", "p256", "--request", "req.msg",
                              "-o", "resp.msg", "docket.jsonl"]))
        }

        var verifyArguments: [String] {
            ["--log-key", logKey, "--witness-key", witnessKey, "--root", contracts, "--proofs"]
        }

        func contents(_ name: String) throws -> Data { try Data(contentsOf: dir.file(name)) }
    }

    struct FixtureError: Error { var message: String }

    /// A tool, its arguments, and the input that is mutated: stdin, or
    /// the file named `mutant` among the arguments.
    struct Target: CustomStringConvertible {
        var tool: String
        var arguments: [String]
        var seed: Data
        var stdin = Data()
        var mutatesFile: Bool { arguments.contains("mutant") }
        var description: String { "\(tool) \(arguments.prefix(2).joined(separator: " "))" }
    }

    static func targets(_ f: Fixture) throws -> [Target] {
        return [
            Target(tool: "evhash", arguments: ["--root", f.contracts, "--alg", "sha256,sm3"], seed: f.manifest),
            Target(tool: "evchain", arguments: ["append", "bank.chain"], seed: f.records),
            Target(tool: "evchain", arguments: ["cosign", "--witness-key", "notary.key", "--log-key", f.logKey,
                                                "--state", "notary-state"], seed: try f.contents("checkpoint.signed")),
            Target(tool: "evverify", arguments: f.verifyArguments + ["mutant"], seed: try f.contents("proofs.jsonl"),
                   stdin: f.manifest),
            Target(tool: "evverify", arguments: ["check-cert", "mutant", "--issuer-key", f.issuerKey, "--log-key", f.logKey,
                                                 "--witness-key", f.witnessKey], seed: try f.contents("cert.json")),
            Target(tool: "evcatalog", arguments: ["--require-stages", "esign,face,liveness,performance,default"],
                   seed: try f.contents("verdicts.jsonl")),
            Target(tool: "evpsi", arguments: unsignedForTests(["psi", "respond", "--key", "idno,contract", "--group", "p256",
                                              "--request", "mutant", "-o", "resp2.msg", "docket.jsonl"]),
                   seed: try f.contents("req.msg")),
            Target(tool: "evpsi", arguments: unsignedForTests(["psi", "finish", "--key", "idno,contract", "--response", "mutant",
                                              "--state", "psi.state", "defaults.jsonl"]), seed: try f.contents("resp.msg")),
        ]
    }

    @Test func toolsExitCleanlyOnMutatedInput() throws {
        let fixture = try Fixture()
        var statuses: [Int32: Int] = [:]
        for target in try Self.targets(fixture) {
            var mutator = FuzzMutator(seed: FuzzSettings.seed(for: target.description))
            for iteration in 0...FuzzSettings.processIterations {
                // Iteration 0 is the seed itself, which must succeed.
                let input = iteration == 0 ? [UInt8](target.seed) : mutator.mutant(of: [[UInt8](target.seed)])
                if target.mutatesFile { try fixture.dir.write("mutant", Data(input)) }
                let result = try Tools.run(target.tool, target.arguments,
                                           stdin: target.mutatesFile ? target.stdin : Data(input), directory: fixture.dir.url)
                let context = "\(target) iteration \(iteration), input base64 \(Data(input).base64EncodedString())"
                statuses[result.status, default: 0] += 1
                if iteration == 0 { #expect(result.status == 0, "\(context): \(result.stderr)") }
                #expect((0...3).contains(result.status), "exit \(result.status): \(context): \(result.stderr)")
                #expect(result.endsWithCompleteLine, "\(context)")
                if result.status >= 2 {
                    #expect(result.stderr.hasPrefix("\(target.tool): "), "\(context): \(result.stderr)")
                }
            }
        }
        if ProcessInfo.processInfo.environment["EVIDENCE_FUZZ_REPORT"] != nil {
            print("tool fuzz: exit statuses \(statuses.sorted { $0.key < $1.key })")
        }
        // The mutants reached both outcomes: some refused as bad input.
        #expect(statuses[2, default: 0] > 0 && statuses[0, default: 0] > 0, "\(statuses)")
    }

    /// What the fuzz target for certificates first trapped on, as the tool
    /// sees it: a checkpoint note claiming a tree size above Int.max.
    @Test func checkCertFindsAHugeTreeSize() throws {
        let fixture = try Fixture()
        let cert = String(decoding: try fixture.contents("cert.json"), as: UTF8.self)
        let edited = cert.replacingOccurrences(of: "\\n10\\n", with: "\\n9223372036854775808\\n")
        #expect(edited != cert)
        try fixture.dir.write("edited.json", edited)
        let result = try Tools.run("evverify", ["check-cert", "edited.json", "--issuer-key", fixture.issuerKey,
                                                "--log-key", fixture.logKey, "--witness-key", fixture.witnessKey],
                                   directory: fixture.dir.url)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.out.contains("tree_size or root differs from the signed note"), "\(result.out)")
    }
}
