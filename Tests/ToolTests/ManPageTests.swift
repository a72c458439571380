import Foundation
import Testing

/// Every option a tool declares (its `--help`, subcommands included) is
/// documented in its man page, which also has EXIT STATUS and EXAMPLES.
@Suite struct ManPageTests {
    static let implemented = ["evhash", "evchain", "evverify", "evpsi", "evcatalog"]

    func options(in help: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"(?<![\w-])--([a-z][a-z0-9-]*)"#)
        let range = NSRange(help.startIndex..., in: help)
        return Set(pattern.matches(in: help, range: range).map { String(help[Range($0.range(at: 1), in: help)!]) })
            .subtracting(["help", "version"])
    }

    func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:") else { return [] }
        // Subcommand lines are indented by two spaces and end at the first blank line.
        let lines = help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        return lines.prefix { !$0.isEmpty }.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return word == "help" ? nil : String(word)
        }
    }

    /// An mdoc macro only works at the start of a line: one run into the
    /// text before it (`fields..It Fl -format`) is printed as text (issue 21).
    @Test(arguments: implemented)
    func noMacroIsRunIntoALine(tool: String) throws {
        let page = try String(contentsOf: Repository.root.appendingPathComponent("man/\(tool).1"), encoding: .utf8)
        let macro = try NSRegularExpression(pattern: #".\.(It|Sh|Ss|Bl|El|Pp|Bd|Ed|Fl|Cm|Ar|Op|Pa|Nm|Xr|Sx|Em|Dq|Ql|Li)\s"#)
        for (number, line) in page.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(line)
            #expect(macro.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil,
                    "\(tool).1:\(number + 1): a macro inside the line: \(text)")
        }
    }

    /// Every list is closed: an unclosed one swallows the sections after it.
    @Test(arguments: implemented)
    func everyListIsClosed(tool: String) throws {
        let page = try String(contentsOf: Repository.root.appendingPathComponent("man/\(tool).1"), encoding: .utf8)
        var depth = 0
        for (number, line) in page.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix(".Bl ") { depth += 1 }
            if line == ".El" { depth -= 1 }
            if line.hasPrefix(".Sh ") { #expect(depth == 0, "\(tool).1:\(number + 1): \(line) inside an open list") }
            #expect(depth >= 0, "\(tool).1:\(number + 1): .El without a list")
        }
        #expect(depth == 0, "\(tool).1: a list is not closed")
    }

    /// Git tracks no link out of the repository (a worktree's .venv link was
    /// once committed, and a fresh clone could not make its venv).
    @Test func noTrackedFileLinksOutOfTheRepository() throws {
        guard FileManager.default.fileExists(atPath: Repository.root.appendingPathComponent(".git").path) else { return }
        let listed = try Tools.runExecutable("/usr/bin/git", ["-C", Repository.root.path, "ls-files", "-s"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let links = listed.lines.filter { $0.hasPrefix("120000 ") }.map { $0.split(separator: "\t").last.map(String.init) ?? $0 }
        #expect(links.isEmpty, "symbolic links tracked: \(links)")
    }

    /// Every module folder under Sources/ says in a README.md what lives
    /// there (ARCHITECTURE.md), the C wrappers too (issue 21).
    @Test func everySourceFolderHasAReadme() throws {
        let sources = Repository.root.appendingPathComponent("Sources")
        let folders = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        let missing = folders.filter {
            !FileManager.default.fileExists(atPath: sources.appendingPathComponent("\($0)/README.md").path)
        }
        #expect(folders.count >= 13)
        #expect(missing.isEmpty, "folders without README.md: \(missing.sorted())")
    }

    @Test(arguments: implemented)
    func manPageDocumentsEveryOption(tool: String) throws {
        let page = try String(contentsOf: Repository.root.appendingPathComponent("man/\(tool).1"), encoding: .utf8)
        #expect(page.contains(".Sh EXIT STATUS") || page.contains(".SH \"EXIT STATUS\"") || page.contains(".SH EXIT STATUS"))
        #expect(page.contains(".Sh EXAMPLES") || page.contains(".SH EXAMPLES"))
        #expect(page.contains("A closed pipe is not an error"), "\(tool).1 does not state the broken-pipe policy")
        #expect(page.contains("Fl -version"), "\(tool).1 does not document --version")
        let help = try Tools.run(tool, ["--help"]).out
        var declared = options(in: help)
        for sub in subcommands(in: help) {
            declared.formUnion(options(in: try Tools.run(tool, [sub, "--help"]).out))
            #expect(page.contains(sub), "\(tool).1 does not mention subcommand \(sub)")
        }
        #expect(!declared.isEmpty)
        for option in declared.sorted() {
            #expect(page.contains("Fl -\(option)") || page.contains("\\-\\-\(option)"),
                    "man/\(tool).1 does not document --\(option)")
        }
    }
}
