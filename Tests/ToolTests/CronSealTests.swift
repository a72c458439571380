import Foundation
import Testing

/// `examples/cron-seal.sh` picks up from where the README's tour leaves off,
/// can be run twice, and, killed at any step, is simply run again: each
/// record is logged once and the notary cosigns the log's size (issues 20, 21).
@Suite(.serialized) struct CronSealTests {
    let dir: TemporaryDirectory
    var environment: [String: String]

    /// The tour's state: bank.chain with 5 records, cosigned by the notary (--init).
    init() throws {
        let dir = try TemporaryDirectory()
        self.dir = dir
        func evchain(_ args: [String], stdin: String = "") throws -> ToolResult {
            let r = try Tools.run("evchain", args, stdin: Data(stdin.utf8), directory: dir.url)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            return r
        }
        _ = try evchain(["init", "bank.chain", "--origin", "bank.example/evidence/2026"])
        let log = try evchain(["keygen", "--name", "bank.example/evidence/2026", "--out", "bank-log.key"]).out
        _ = try evchain(["append", "bank.chain"], stdin: records(5, contract: "C2025-0001"))
        _ = try evchain(["checkpoint", "bank.chain", "--key", "bank-log.key", "--out", "checkpoint.signed"])
        let notary = try evchain(["keygen", "--witness", "--name", "notary.example/witness", "--out", "notary.key"]).out
        try FileManager.default.createDirectory(at: dir.file("notary-state"), withIntermediateDirectories: false)
        let logKey = log.trimmingCharacters(in: .whitespacesAndNewlines)
        let cosigned = try evchain(["cosign", "--witness-key", "notary.key", "--log-key", logKey, "--state", "notary-state",
                                    "--init", "checkpoint.signed"])
        try cosigned.stdout.write(to: dir.file("checkpoint.cosigned"))
        environment = [
            "PATH": Tools.binDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "NOTARY_KEY": "notary.key", "NOTARY_STATE": "notary-state",
            "LOG_VKEY": logKey, "NOTARY_VKEY": notary.trimmingCharacters(in: .whitespacesAndNewlines),
        ]
        _ = try dir.write("batch.jsonl", records(3, contract: "C2025-0002"))
    }

    func seal(_ extra: [String: String] = [:]) throws -> ToolResult {
        try Tools.runExecutable("/bin/bash", [Repository.root.appendingPathComponent("examples/cron-seal.sh").path,
                                              "bank.chain", "bank-log.key", "batch.jsonl"],
                                directory: dir.url, environment: environment.merging(extra) { $1 })
    }

    func ids() throws -> [String] {
        try Tools.run("evchain", ["show", "bank.chain"], directory: dir.url).objects
            .map { ($0["record"] as! [String: Any])["id"] as! String }
    }

    func cosignedSize() throws -> String {
        String(try String(contentsOf: dir.file("bank.chain.cosigned"), encoding: .utf8).split(separator: "\n")[1])
    }

    func expectSealedOnce() throws {
        let logged = try ids()
        #expect(logged.count == 8 && Set(logged).count == 8, "\(logged)")
        #expect(try cosignedSize() == "8")
        let audit = try Tools.run("evchain", ["audit", "bank.chain", "--checkpoint", "bank.chain.cosigned",
                                              "--log-key", environment["LOG_VKEY"]!, "--witness-key", environment["NOTARY_VKEY"]!],
                                  directory: dir.url)
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test func continuesTheTourAndRunTwiceLogsNothingTwice() throws {
        let first = try seal()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("appended 3 records (0 already logged)"), "\(first.stderr)")
        try expectSealedOnce()
        let second = try seal()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("appended 0 records (3 already logged)"), "\(second.stderr)")
        try expectSealedOnce()
    }

    /// Killed inside append (before and after its commit), inside the tiles
    /// export, and right after the notary answered: the next run finishes.
    @Test(arguments: ["append.index-block", "append.committed", "tiles.staged", "after-notary"])
    func killedAtAStepAndRunAgain(step: String) throws {
        var extra: [String: String] = [:]
        if step == "after-notary" {
            // A notary that answers, then the job is killed before it keeps the answer.
            let notary = try dir.write("notary-then-kill.sh", """
                #!/bin/bash
                evchain cosign --witness-key "$NOTARY_KEY" --log-key "$LOG_VKEY" --state "$NOTARY_STATE" --tiles "$1" -
                kill -9 $PPID

                """)
            chmod(notary.path, 0o755)
            extra["NOTARY"] = notary.path
        } else {
            extra["EVIDENCE_CRASH_AT"] = step
        }
        let killed = try seal(extra)
        #expect(killed.status != 0, "\(step): the job was not killed")
        let again = try seal()
        #expect(again.status == 0, "\(step): \(again.stderr)")
        try expectSealedOnce()
    }
}
