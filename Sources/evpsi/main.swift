import ArgumentParser
import EvidenceCLI

struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evpsi",
        abstract: "not yet implemented",
        discussion: "This tool is not yet implemented; it exits with status 2.")

    func run() throws {
        throw ValidationError("not yet implemented")
    }
}

ToolMain.run(Command.self, name: "evpsi")
