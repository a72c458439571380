import Foundation
import Testing

/// A path that names a directory where a file is expected gets a message
/// that says so.
@Suite struct PathMessageTests {
    @Test(arguments: [".", "/tmp"])
    func aDirectoryIsNotAChain(path: String) throws {
        let r = try Tools.run("evchain", ["show", path])
        #expect(r.status == 3)
        #expect(r.stderr == "evchain: \(path): a directory, not a chain file\n", "\(r.stderr)")
    }
}
