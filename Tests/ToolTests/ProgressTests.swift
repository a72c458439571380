import Foundation
import Testing

/// Progress you can see (issue 21 item 2): with `--progress` the long
/// commands write progress lines on stderr even when it is a file, at least
/// one while the work is still going; without it, and stderr not a
/// terminal (as here), they write none. Assertions are on content: a line
/// drawn before the end shows fewer items than the last.
@Suite struct ProgressTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
        try dir.write("tree/C1/esign/a.pdf", "%PDF a\n")
        try dir.write("tree/C1/face/b.json", #"{"score":1}"#)
        try dir.write("tree/C2/esign/a.pdf", "%PDF b\n")
    }

    /// Runs `command` in bash with the tools on PATH, its input `first`,
    /// then (after a pause longer than two redraws) `rest`.
    func slowly(_ first: String, _ rest: String, into command: String) throws -> ToolResult {
        try dir.write("first", first)
        try dir.write("rest", rest)
        return try Tools.runExecutable("/bin/bash", ["-c", """
            PATH="\(Tools.binDirectory.path):$PATH"
            { cat first; sleep 2; cat rest; } | \(command)
            """], directory: dir.url)
    }

    func progressLines(_ stderr: String, _ prefix: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    func record(_ n: Int) -> String {
        #"{"id":"C1/esign/r\#(n)","contract":"C1","stage":"esign","alg":"sha256","digest":"\#(String(format: "%064x", n))"}"# + "\n"
    }

    @Test func evhashShowsLinesWhileItWaitsOnlyWhenAsked() throws {
        let line = #"{"contract":"C1","stage":"esign","path":"tree/C1/esign/a.pdf"}"# + "\n"
        let line2 = #"{"contract":"C1","stage":"face","path":"tree/C1/face/b.json"}"# + "\n"
        let shown = try slowly(line, line2, into: "evhash --progress")
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.objects.count == 2)
        let lines = progressLines(shown.stderr, "evhash: hashed")
        #expect(lines.last?.hasSuffix(", done") == true, "\(shown.stderr)")
        #expect(lines.last?.contains("hashed 2 items") == true, "\(shown.stderr)")
        // Drawn while evhash waited for its input: before the end.
        #expect(lines.dropLast().contains { !$0.contains("2 items") && !$0.hasSuffix("done") }, "\(shown.stderr)")

        let quiet = try slowly(line, line2, into: "evhash")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let refused = try slowly(line, line2, into: "evhash --progress --no-progress")
        #expect(refused.stderr.isEmpty, "\(refused.stderr)")
    }

    @Test func aWalkKnowsItsTotal() throws {
        let r = try Tools.run("evhash", ["--walk", "tree", "--progress"], directory: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("hashed 3 of 3 items, 25 B of 25 B"), "\(r.stderr)")
        #expect(try Tools.run("evhash", ["--walk", "tree"], directory: dir.url).stderr.isEmpty)
    }

    @Test func appendShowsLinesWhileItWaits() throws {
        #expect(try Tools.run("evchain", ["init", dir.file("chain.jsonl").path, "--origin", "bank.example/e"]).status == 0)
        let shown = try slowly(record(1) + record(2), record(3), into: "evchain append chain.jsonl --progress")
        #expect(shown.status == 0, "\(shown.stderr)")
        let lines = progressLines(shown.stderr, "evchain: appending")
        #expect(lines.count >= 2 && lines.last?.hasSuffix(", done") == true, "\(shown.stderr)")
        let quiet = try slowly(record(4), record(5), into: "evchain append chain.jsonl")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }

    @Test func tilesVerifyAndPSIStepsSayTheyAreWorkingWhenAsked() throws {
        let chain = dir.file("chain.jsonl").path
        #expect(try Tools.run("evchain", ["init", chain, "--origin", "bank.example/e"]).status == 0)
        #expect(try Tools.run("evchain", ["append", chain], stdin: record(1) + record(2)).status == 0)
        let key = dir.file("log.key").path
        #expect(try Tools.run("evchain", ["keygen", "--name", "bank.example/e", "--out", key]).status == 0)
        #expect(try Tools.run("evchain", ["checkpoint", chain, "--key", key]).status == 0)
        let shown = try Tools.run("evchain", ["tiles", chain, "--out", dir.file("tiles2").path, "--progress"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stderr.contains("evchain: exporting tiles 2 of 2 items") && shown.stderr.contains("done"), "\(shown.stderr)")
        let quiet = try Tools.run("evchain", ["tiles", chain, "--out", dir.file("tiles3").path])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")

        let items = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n"
        let psi = try Tools.run("evpsi", unsignedForTests(["psi", "request", "--state", "s", "-o", "q", "--progress", "-"]), stdin: items, directory: dir.url)
        #expect(psi.status == 0, "\(psi.stderr)")
        #expect(psi.stderr.contains("evpsi: psi request") && psi.stderr.contains("done"), "\(psi.stderr)")
        let psiQuiet = try Tools.run("evpsi", unsignedForTests(["psi", "request", "--state", "s2", "-o", "q2", "-"]), stdin: items, directory: dir.url)
        #expect(psiQuiet.status == 0 && psiQuiet.stderr.isEmpty, "\(psiQuiet.stderr)")
    }

    @Test func evverifySaysItIsCheckingWhenAsked() throws {
        let f = try VerifyFixture()
        let shown = try f.verify(["--progress"], stdin: try f.originals("C2025-0001"))
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.objects.count == 10)
        // Items are streamed: their number is known at the end; the bytes
        // of a regular file's input give the total.
        #expect(shown.stderr.contains("evverify: checking 10 items, ") && shown.stderr.contains("done"), "\(shown.stderr)")
        let quiet = try f.verify([], stdin: try f.originals("C2025-0001"))
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}
