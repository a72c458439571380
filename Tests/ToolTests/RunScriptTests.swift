import Foundation
import Testing

/// `examples/run.sh DIR` and `examples/psi-demo.sh DIR` rebuild DIR on each
/// run (issues 9, 21): each may remove only a directory an example script
/// made (its marker file inside), or use an empty one; anything else is
/// refused before anything is touched.
@Suite struct RunScriptTests {
    static let marker = ".evidence-example-run"

    func runScript(_ workdir: String, script: String = "run.sh") throws -> ToolResult {
        try Tools.runExecutable("/bin/bash", [Repository.root.appendingPathComponent("examples/\(script)").path, workdir],
                                environment: ["EVIDENCE_BIN": Tools.binDirectory.path])
    }

    @Test(arguments: ["run.sh", "psi-demo.sh"])
    func refusesADirectoryItDidNotMake(script: String) throws {
        let scratch = try TemporaryDirectory()
        let precious = try scratch.write("data/ledger.txt", "the only copy\n")
        let result = try runScript(scratch.file("data").path, script: script)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(script): \(scratch.file("data").path): directory not made by \(script)"), "\(result.stderr)")
        #expect(try String(contentsOf: precious, encoding: .utf8) == "the only copy\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("data/\(Self.marker)").path))
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["run.sh", "psi-demo.sh"])
    func refusesAFileOrASymlink(script: String) throws {
        let scratch = try TemporaryDirectory()
        let file = try scratch.write("notes.txt", "keep me\n")
        try FileManager.default.createDirectory(at: scratch.file("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link").path, withDestinationPath: scratch.file("real").path)
        for path in [file.path, scratch.file("link").path] {
            let result = try runScript(path, script: script)
            #expect(result.status == 2, "\(path)")
            #expect(result.stderr.contains("not a directory; refusing to replace it"), "\(result.stderr)")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep me\n")
        #expect(FileManager.default.fileExists(atPath: scratch.file("link").path))
    }

    @Test func usesAnEmptyDirectoryAndRebuildsOnlyItsOwn() throws {
        let scratch = try TemporaryDirectory()
        let work = scratch.file("out")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let first = try runScript(work.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent(Self.marker).path))
        #expect(first.out.contains("10 of 10 items ok against the bundle"))
        #expect(first.out.contains("C2025-0001: OK ("), "the customer's receipt did not check: \(first.out)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("c1-receipt.json").path))

        // Its own directory, with a leftover in it, is removed and rebuilt.
        try Data("stale\n".utf8).write(to: work.appendingPathComponent("stale.txt"))
        let second = try runScript(work.path)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("stale.txt").path))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("c1-catalogue.jsonl").path))
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent(Self.marker).path))
    }
}
