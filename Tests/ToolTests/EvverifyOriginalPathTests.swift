import Foundation
import Testing

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
        let records = try Tools.run("evhash", ["--root", root], stdin: manifest)
        try #require(records.status == 0, "\(records.stderr)")
        #expect(try f.append(records.out).status == 0)
        #expect(try f.checkpoint().status == 0)
        let verify = { try Tools.run("evverify", ["--root", root, "--chain", f.chain, "--log-key", f.vkey, "--no-witness"], stdin: manifest) }
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
