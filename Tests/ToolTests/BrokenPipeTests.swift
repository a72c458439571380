import Foundation
import Testing

/// The broken-pipe policy (every man page's EXIT STATUS): a tool whose
/// reader closes stdout early stops quietly with status 0, not by SIGPIPE.
@Suite struct BrokenPipeTests {
    /// Status of `command` (the left side of `command | head -1`) and its stderr.
    func leftSideOfHead(_ command: String, in dir: TemporaryDirectory) throws -> (status: String, stderr: String) {
        let r = try Tools.runExecutable("/bin/bash", ["-c", """
            PATH="\(Tools.binDirectory.path):$PATH"
            \(command) 2>left.err | head -1 >/dev/null; echo "${PIPESTATUS[0]}"
            """], directory: dir.url)
        let stderr = (try? String(contentsOf: dir.file("left.err"), encoding: .utf8)) ?? ""
        return (r.out.trimmingCharacters(in: .whitespacesAndNewlines), stderr)
    }

    @Test func evchainShowIntoHead() throws {
        let f = try ChainFixture()
        // About 2 MB of entries: far more than a pipe holds.
        #expect(try f.append(records(6000)).status == 0)
        let r = try leftSideOfHead("evchain show '\(f.chain)'", in: f.dir)
        #expect(r.status == "0")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func evhashIntoHead() throws {
        let dir = try TemporaryDirectory()
        let manifest = (0..<20000).map { #"{"contract":"C1","stage":"face","name":"r\#($0).json","data":{"score":\#($0)}}"# }.joined(separator: "\n")
        try dir.write("manifest.jsonl", manifest + "\n")
        let r = try leftSideOfHead("evhash --manifest manifest.jsonl", in: dir)
        #expect(r.status == "0")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}
