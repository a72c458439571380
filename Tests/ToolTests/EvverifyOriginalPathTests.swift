import Foundation
import Testing

/// Hashes and logs the originals `manifest` names under `root`, seals a
/// checkpoint, and gives the evverify run that checks them.
func logOriginals(_ f: ChainFixture, root: String, manifest: String) throws -> () throws -> ToolResult {
    let records = try Tools.run("evhash", ["--root", root], stdin: manifest)
    try #require(records.status == 0, "\(records.stderr)")
    #expect(try f.append(records.out).status == 0)
    #expect(try f.checkpoint().status == 0)
    return { try Tools.run("evverify", ["--root", root, "--chain", f.chain, "--log-key", f.vkey, "--no-witness"], stdin: manifest) }
}

/// evverify resolves each directory of the originals once per worker; a
/// file that is a symbolic link leading outside the root must still be
/// refused, even in a directory already resolved for an earlier item.
@Suite struct EvverifyOriginalPathTests {
    @Test func aSymbolicLinkOutOfTheRootIsRefusedInADirectoryAlreadyResolved() throws {
        let f = try ChainFixture()
        let root = f.dir.file("root").path, outside = f.dir.file("outside").path
        for d in [root + "/sub", outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        for name in ["a", "b", "c"] { try Data("original \(name)\n".utf8).write(to: URL(fileURLWithPath: "\(root)/sub/\(name).bin")) }
        let manifest = ["a", "b", "c"].map { #"{"contract":"K1","stage":"esign","path":"sub/\#($0).bin"}"# }.joined(separator: "\n") + "\n"
        let verify = try logOriginals(f, root: root, manifest: manifest)
        let clean = try verify()
        #expect(clean.status == 0, "\(clean.stderr)")
        // b.bin becomes a link to a copy outside the root, same bytes.
        try Data("original b\n".utf8).write(to: URL(fileURLWithPath: "\(outside)/b.bin"))
        try FileManager.default.removeItem(atPath: "\(root)/sub/b.bin")
        try FileManager.default.createSymbolicLink(atPath: "\(root)/sub/b.bin", withDestinationPath: "\(outside)/b.bin")
        let linked = try verify()
        #expect(linked.status == 2 && linked.stderr.contains("leads outside the root"), "\(linked.stderr)")
        #expect(linked.stdout.isEmpty)
        // c.bin removed: a missing original, the others still checked.
        try FileManager.default.removeItem(atPath: "\(root)/sub/b.bin")
        try FileManager.default.copyItem(atPath: "\(outside)/b.bin", toPath: "\(root)/sub/b.bin")
        try FileManager.default.removeItem(atPath: "\(root)/sub/c.bin")
        let missing = try verify()
        #expect(missing.status == 1, "\(missing.stderr)")
        #expect(missing.objects.map { $0["status"] as? String } == ["ok", "ok", "missing"], "\(missing.out)")
    }
}

/// Paths are bytes: a directory whose name only looks like another's (the
/// same letters in another Unicode normalisation) is another directory,
/// and its files are read from it, never from its twin already resolved.
@Suite struct EvverifyLookAlikePathTests {
    /// Writes `text` at `path` by its bytes (no normalisation on the way).
    func write(_ text: String, at path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0, "cannot create \(path)")
        defer { close(fd) }
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    @Test func aFileInALookAlikeDirectoryIsReadFromThatDirectory() throws {
        let f = try ChainFixture()
        let root = f.dir.file("root").path
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        for d in [composed, decomposed] { #expect(mkdir(root, 0o755) == 0 || errno == EEXIST); #expect(mkdir(root + "/" + d, 0o755) == 0) }
        let names = (0..<24).map { String(format: "f%02d.bin", $0) }
        for name in names { try write("original \(name)\n", at: "\(root)/\(composed)/\(name)") }
        // The twin directory's file has, when logged, the same bytes.
        try write("original f23.bin\n", at: "\(root)/\(decomposed)/f23.bin")
        let lines = names.map { #"{"contract":"K1","stage":"esign","path":"\#(composed)/\#($0)"}"# }
            + [#"{"contract":"K1","stage":"esign","id":"K1/esign/twin","path":"\#(decomposed)/f23.bin"}"#]
        let manifest = lines.joined(separator: "\n") + "\n"
        let verify = try logOriginals(f, root: root, manifest: manifest)
        let clean = try verify()
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.objects.count == 25)
        // Only the twin's file changes: its verdict must say so, whichever
        // worker resolved the composed directory before.
        try write("changed\n", at: "\(root)/\(decomposed)/f23.bin")
        let changed = try verify()
        #expect(changed.status == 1, "\(changed.stderr)")
        let statuses = changed.objects.map { $0["status"] as? String }
        #expect(statuses == Array(repeating: "ok", count: 24) + ["mismatch"], "\(changed.out)")
    }
}
