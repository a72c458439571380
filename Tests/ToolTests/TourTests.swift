import Foundation
import Testing

/// The README's tour runs as written (issue 9): `examples/tour.sh` holds its
/// commands in order, and runs on the bundled samples.
@Suite struct TourTests {
    static let script = Repository.root.appendingPathComponent("examples/tour.sh")

    /// The commands of the README's "A short tour" (up to the next `## `):
    /// the lines of its ```sh blocks after a prompt (`$ `, `bank$ `), with
    /// their continuation lines (after a trailing `\` or `|`).
    static func readmeCommands() throws -> [String] {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "\n## A short tour\n") else { return [] }
        let rest = readme[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        var commands: [String] = []
        var inShell = false
        var pending: String?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") { inShell = !inShell && line == "```sh"; continue }
            guard inShell else { continue }
            var command: String
            if let p = pending {
                command = p + "\n" + line
            } else if let prompt = line.range(of: #"^[a-z]*\$ +"#, options: .regularExpression) {
                command = String(line[prompt.upperBound...])
            } else {
                continue  // output
            }
            pending = nil
            if command.hasSuffix("\\") || command.hasSuffix("|") { pending = command } else { commands.append(command) }
        }
        return commands
    }

    /// Runs of blanks and newlines as one space.
    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

    @Test func readmeTourCommandsAreTheScriptsInOrder() throws {
        let commands = try Self.readmeCommands()
        #expect(commands.count >= 20, "\(commands)")
        #expect(commands.contains { $0.hasPrefix("evchain cosign --witness-key notary.key") })
        let script = Self.normalized(try String(contentsOf: Self.script, encoding: .utf8))
        var position = script.startIndex
        for command in commands {
            guard let found = script.range(of: Self.normalized(command), range: position..<script.endIndex) else {
                Issue.record("README tour command not in examples/tour.sh (after the one before it): \(command)")
                continue
            }
            position = found.upperBound
        }
    }

    @Test func tourRunsOnTheSamples() throws {
        let scratch = try TemporaryDirectory()
        let result = try Tools.runExecutable("/bin/bash", [Self.script.path], environment: [
            "EVIDENCE_BIN": Tools.binDirectory.path, "TMPDIR": scratch.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.lines

        // The first record's digest is what sha256sum prints.
        let digest = result.objects.first?["digest"] as? String
        #expect(digest?.count == 64)
        #expect(lines.contains("\(digest ?? "-")  examples/contracts/C2025-0001/esign/contract.pdf"))

        #expect(lines.filter { $0.hasPrefix("C2025-0001/") && $0.hasSuffix(": OK") }.count == 10)
        #expect(lines.contains { $0.hasSuffix(": OK (10 items)") }, "check-cert --text names the certificate OK")

        // The bank learns which of its four defaults are on the docket.
        let matched = Set(result.objects.compactMap { $0["contract"] as? String })
        #expect(matched == ["C2025-0001", "C2025-0002", "C2025-0003"])

        let dirs = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(dirs.count == 1)
        let work = scratch.file(dirs.first ?? "-")
        let catalogue = try String(contentsOf: work.appendingPathComponent("catalogue.html"), encoding: .utf8)
        #expect(catalogue.contains("default-notice.pdf") && catalogue.contains("证据"))
        #expect(try !FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("notary-state").path).isEmpty)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("catalogue.pdf").path))
        }
    }
}
