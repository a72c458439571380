import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

struct PSICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psi",
        abstract: "DH-PSI: B requests, A responds, B finishes and learns the intersection (or its size, or labels).",
        subcommands: [Request.self, Respond.self, Finish.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Party B: blind B's items and write the request message and B's secret state.")

        @OptionGroup var items: ItemArguments
        @Option(help: ArgumentHelp("Group: ffdhe2048 (default), ffdhe3072, modp2048, p256.", valueName: "name"))
        var group = PSIGroups.defaultName
        @Flag(name: .customLong("cardinality-only"), help: "Ask to learn only the size of the intersection.")
        var cardinalityOnly = false
        @Flag(help: "Ask for A's labels (associated data) of the matched items.")
        var labels = false
        @OptionGroup var step: OpeningStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "psi request", progressOption)
            defer { progress.finish() }
            let c = try step.channel()
            printSummary(try step.record.logging(c, "dh-psi", step: "request", party: "b", writing: [step.out, step.state]) {
                try DHPSI.request(channel: c, items: try items.reader(progress), group: try PSIGroups.named(group),
                                  mode: try psiMode(cardinalityOnly: cardinalityOnly, labels: labels),
                                  session: step.session, statePath: step.state, out: .file(step.out))
            })
        }
    }

    struct Respond: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Party A: answer B's request with A's items; A learns only the number of B's items.")

        @OptionGroup var items: ItemArguments
        @Option(help: ArgumentHelp("B's request message.", valueName: "file"))
        var request: String
        @Option(help: ArgumentHelp("Group A accepts (must match the request).", valueName: "name"))
        var group = PSIGroups.defaultName
        @Flag(name: .customLong("cardinality-only"), help: "Allow B to learn only the intersection size (refuse other requests).")
        var cardinalityOnly = false
        @Flag(help: "Send labels: B learns the --label field of each matched item.")
        var labels = false
        @Option(help: ArgumentHelp("Field of A's items sent, encrypted, as the label.", valueName: "field"))
        var label: String?
        @OptionGroup var step: AnsweringStep

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "psi respond", progressOption)
            defer { progress.finish() }
            if labels && label == nil { throw ValidationError("--labels needs --label FIELD") }
            let c = try step.channel()
            printSummary(try step.record.logging(c, "dh-psi", step: "respond", party: "a", writing: [step.out]) {
                try DHPSI.respond(channel: c, request: .file(request), items: try items.reader(progress), group: try PSIGroups.named(group),
                                  mode: try psiMode(cardinalityOnly: cardinalityOnly, labels: labels), labelField: label, out: .file(step.out))
            })
        }
    }

    struct Finish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Party B: read A's response and print B's matched item lines (or the cardinality).")

        @OptionGroup var items: ItemArguments
        @Option(help: ArgumentHelp("A's response message.", valueName: "file"))
        var response: String
        @Option(help: ArgumentHelp("B's state file written by 'psi request'.", valueName: "file"))
        var state: String
        @OptionGroup var channel: ChannelOptions
        @OptionGroup var record: RecordOption

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "psi finish", progressOption)
            defer { progress.finish() }
            let c = try channel.channel()
            var learned: [JSONValue] = []
            _ = try record.logging(c, "dh-psi", step: "finish", party: "b") {
                try DHPSI.finish(channel: c, response: .file(response), statePath: state, items: { try items.reader(progress) }) { learned.append($0) }
            }
            for line in learned { StandardOutput.shared.writeLine(line) }
        }
    }
}
