import EvidenceCLI
import Foundation
import Testing

/// `--version` works on every tool and every subcommand, and prints the one
/// package version (EvidenceCLI's `PackageVersion`) as `tool 0.2.0`.
@Suite struct VersionTests {
    /// Every command path of `tool`: the root, its subcommands, theirs.
    func commandPaths(_ tool: String, under path: [String] = []) throws -> [[String]] {
        let help = try Tools.run(tool, path + ["--help"]).out
        return try [path] + ManPageTests().subcommands(in: help).flatMap { try commandPaths(tool, under: path + [$0]) }
    }

    @Test(arguments: ManPageTests.implemented)
    func everyCommandPrintsThePackageVersion(tool: String) throws {
        let paths = try commandPaths(tool)
        #expect(paths.count >= 1)
        for path in paths {
            let r = try Tools.run(tool, path + ["--version"])
            #expect(r.status == 0, "\(tool) \(path) --version: \(r.stderr)")
            #expect(r.out == "\(tool) \(PackageVersion.number)\n", "\(tool) \(path)")
            #expect(r.stderr.isEmpty)
        }
    }

    @Test func versionIsDottedNumbers() {
        #expect(PackageVersion.number.split(separator: ".").count == 3)
        #expect(PackageVersion.number.allSatisfy { $0.isNumber || $0 == "." })
    }
}
