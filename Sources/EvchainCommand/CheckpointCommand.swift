import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a C2SP checkpoint of the current tree.",
        discussion: """
            Prints the signed note (or writes --out) and saves it as CHAIN.checkpoint. With \
            --tsa-url, also obtains an RFC 3161 timestamp token over the note's bytes and stores \
            the response (DER) as FILE.tsr beside the checkpoint. The note and its token are also \
            kept in CHAIN.checkpoints/ (see 'evchain keep').

            With --witness URL=VKEY (repeatable), submits the checkpoint to each witness as \
            C2SP tlog-witness add-checkpoint (POST URL/add-checkpoint), from the size recorded for \
            that witness in CHAIN.witnesses (0 when unknown); on 409 the proof is rebuilt from the \
            witness's size and sent once more. Only cosignature lines that verify under VKEY are \
            added to the checkpoint written (and kept). A witness that refuses exits 1 (the others' \
            cosignatures are still written); a network error or a witness's 5xx exits 3.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The log's private key file.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("Write the checkpoint here instead of stdout.", valueName: "file")) var out: String?
    @Option(name: .customLong("tsa-url"), help: ArgumentHelp("RFC 3161 timestamp authority (HTTP or HTTPS POST).", valueName: "url"))
    var tsaURL: String?
    @Option(help: ArgumentHelp("A witness to cosign the checkpoint: its submission URL and verifier key (repeatable).", valueName: "url=vkey"))
    var witness: [String] = []
    @OptionGroup var network: NetworkOptions

    func run() throws {
        let signer = try KeyFile.readSigner(key)
        let witnesses = try witness.map(Self.endpoint)
        _ = try CheckpointTrust.independentWitnessKeys(witnesses.map(\.key), logKey: signer.verifierKey)
        let store = try ChainStore(path: chain, access: .write)
        var note = try store.signCheckpoint(with: signer)
        // The token first: if the authority fails, no file has changed.
        let token = try tsaURL.map { url in try Timestamping.requestToken(for: note) {
                try network.client().post(url: url, body: $0, contentType: "application/timestamp-query",
                                    accept: "application/timestamp-reply")
            } }
        // Kept first: every checkpoint published is among the past ones.
        try KeptCheckpoints.keep(note, token: token, in: KeptCheckpoints.directory(ofChain: chain))
        var failures: [EvidenceError] = []
        if !witnesses.isEmpty {
            (note, failures) = try submit(note, store: store, to: witnesses)
            // The cosignatures that verified join the kept copy.
            try KeptCheckpoints.keep(note, token: nil, in: KeptCheckpoints.directory(ofChain: chain))
        }
        try DurableFile.replace(ChainStore.checkpointPath(chain), with: note)
        if let out { try DurableFile.replace(out, with: note) }
        if let token { try DurableFile.replace((out ?? ChainStore.checkpointPath(chain)) + ".tsr", with: token) }
        if out == nil { StandardOutput.shared.write(note) }
        for failure in failures { Diagnostics.report(failure) }
        if !failures.isEmpty {
            // A refusal is a finding about the log (1); a network error only delays (3).
            throw ToolExit(failures.contains { $0.kind == .failure } ? ExitStatus.failure : ExitStatus.io)
        }
    }

    /// `URL=VKEY`, split at the first `=` (a verifier key, or its file, follows it).
    static func endpoint(_ argument: String) throws -> WitnessSubmission.Endpoint {
        guard let eq = argument.firstIndex(of: "="), HTTPClient.handles(String(argument[..<eq])) else {
            throw EvidenceError.usage("\(Setting("witness")) takes URL=VKEY (an http:// or https:// URL), not \"\(argument)\"")
        }
        return try WitnessSubmission.Endpoint(url: String(argument[..<eq]), key: try KeyFile.readVerifier(String(argument[argument.index(after: eq)...])))
    }

    /// Each witness in turn; the note with the cosignatures that verified,
    /// and what went wrong with the others. CHAIN.witnesses records every
    /// size learnt, success or not.
    func submit(_ noteBytes: [UInt8], store: ChainStore, to witnesses: [WitnessSubmission.Endpoint]) throws -> ([UInt8], [EvidenceError]) {
        var note = try SignedNote(parsing: noteBytes)
        let checkpoint = try Checkpoint(text: note.text)
        var known = try ChainWitnesses(chain: chain)
        var failures: [EvidenceError] = []
        let client = network.client()
        for w in witnesses {
            let outcome: WitnessSubmission.Outcome
            do {
                outcome = try WitnessSubmission.submit(
                    note, checkpoint: checkpoint, to: w, knownSize: known.size(of: w.key), now: Int64(time(nil)),
                    proof: { try store.consistencyProof(from: $0, to: checkpoint.size).path },
                    post: { try client.postForReply(url: $0, body: $1, contentType: "text/plain", accept: "text/plain, text/x.tlog.size") })
            } catch let e as EvidenceError {
                failures.append(e)
                continue
            }
            if let size = outcome.witnessSize { known.entries[w.key.encoded] = ChainWitnesses.Entry(size: size, url: w.url) }
            if let error = outcome.error { failures.append(error); continue }
            note.signatures.removeAll { $0.name == w.key.name && $0.keyID == w.key.keyID }
            note.signatures += outcome.cosignatures
        }
        try known.write(chain: chain)
        return (note.bytes, failures)
    }
}
