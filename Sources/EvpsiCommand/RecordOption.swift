import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

/// `--record FILE`: one evidence record of what the step did, appended.
struct RecordOption: ParsableArguments {
    @Option(help: ArgumentHelp("Append an evidence record of this step (stage privacy-computing: protocol, session, purpose, keys, counts and message digests; never an item) to this JSON Lines file, for 'evchain append'.", valueName: "file"))
    var record: String?

    /// Runs a step, then appends its record: nothing is logged for a step
    /// that failed, and nothing is printed before the record is durable.
    /// `writing` names the files the step creates: a step whose record cannot
    /// be appended removes them, so no message leaves unaccounted.
    func logging<T>(_ channel: PSIChannel, _ protocolName: String, step: String, party: String,
                    writing outputs: [String] = [], _ body: () throws -> T) throws -> T {
        let files = outputs.filter { $0 != "-" }
        if record == "-" {
            throw ValidationError("--record needs a file: standard output carries the step's summary")
        }
        if let record, files.contains(where: { FilePaths.same(record, $0) }) {
            throw ValidationError("--record names a file this step writes (\(record)): give the record a file of its own")
        }
        let result = try body()
        do {
            try append(channel, protocolName, step: step, party: party)
        } catch {
            for file in files { _ = unlink(file) }
            throw error
        }
        return result
    }

    /// Appends the record of a step that has succeeded, once its message is written.
    func append(_ channel: PSIChannel, _ protocolName: String, step: String, party: String) throws {
        guard let record else { return }
        let messages = channel.received + channel.sent
        guard let first = messages.first else { return }
        func facts(_ list: [PSIMessageSummary]) -> [PrivacyComputation.Message] {
            list.map { PrivacyComputation.Message(kind: $0.kind, from: $0.from, count: $0.count, sha256: $0.sha256) }
        }
        let computation = PrivacyComputation(
            protocolName: protocolName, mode: first.mode, step: step, party: party, session: first.session,
            purpose: channel.purpose ?? messages.lazy.compactMap(\.purpose).first, group: first.group,
            signer: channel.signer?.keyName, peer: channel.peer?.keyName ?? channel.received.lazy.compactMap(\.signer).first,
            sent: facts(channel.sent), received: facts(channel.received))
        var w = JSONWriter()
        computation.record(time: RFC3339.now()).write(to: &w)
        try DurableFile.appendLine(record, w.bytes)
    }
}
