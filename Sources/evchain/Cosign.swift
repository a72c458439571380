import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceLog
import EvidenceSupport

struct Cosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The notary's side: cosign a checkpoint.",
        discussion: """
            Verifies the log's signature and, against the state in --state, that the checkpoint \
            is not smaller than and is consistent with (--proof, from 'evchain consistency') the \
            last checkpoint cosigned; with --tiles the witness builds that proof itself from \
            the log's published tiles (and reads the checkpoint there when no file is given). It then prints the checkpoint with a tlog-cosignature/v1 line \
            added. A refusal (rollback, split view, bad proof) exits 1. The first checkpoint of a \
            log needs --init and no proof; a missing state without --init, or a state that is a \
            symbolic link, exits 3.
            """)
    @Option(name: .customLong("witness-key"), help: ArgumentHelp("The witness's private key (keygen --witness).", valueName: "file"))
    var witnessKey: String
    @Option(name: .customLong("log-key"), help: ArgumentHelp("The log's verifier key (string or file).", valueName: "vkey"))
    var logKey: String
    @Option(help: ArgumentHelp("State directory (must exist).", valueName: "dir")) var state: String
    @Option(help: ArgumentHelp("Consistency proof (JSON) from the last cosigned size.", valueName: "file")) var proof: String?
    @Option(help: ArgumentHelp("The log's tiles directory or http(s):// URL ('evchain tiles'): build the consistency proof from them.", valueName: "dir|url"))
    var tiles: String?
    @OptionGroup var network: NetworkOptions
    @Option(help: ArgumentHelp("The log's origin (default: the log key's name).", valueName: "name")) var origin: String?
    @Flag(name: .customLong("init"), help: "First use for this log: start its state (refused if a state exists); no proof is needed.")
    var firstUse = false
    @Argument(help: ArgumentHelp("The checkpoint file ('-' or none: stdin).", valueName: "file")) var file: String?

    func run() throws {
        let witness = try Witness(key: try KeyFile.readSigner(witnessKey), logKey: try KeyFile.readVerifier(logKey),
                                  origin: origin, stateDirectory: state)
        let noteBytes: [UInt8]
        let fetch = tiles.map { TileSource.fetch($0, client: network.client()) }
        if tiles != nil && proof != nil { throw EvidenceError.usage("give \(Setting("tiles")) or \(Setting("proof")), not both") }
        if let file, file != "-" { noteBytes = try DurableFile.readAll(file) } else if file == nil, let fetch {
            guard let bytes = try fetch("checkpoint") else { throw EvidenceError.io("not found: no checkpoint published", at: tiles! + "/checkpoint") }
            noteBytes = bytes
        } else {
            if isatty(0) == 1 { throw EvidenceError.usage("refusing to read a checkpoint from a terminal") }
            noteBytes = try DurableFile.readToEnd(fd: 0, name: "stdin", limit: 1 << 20)
        }
        var consistency = try proof.map { path -> ConsistencyProof in
            do {
                return try ConsistencyProof(json: try JSON.parse(try DurableFile.readAll(path)))
            } catch let e as EvidenceError { throw e.located(path) }
        }
        if let fetch { consistency = try witness.consistencyProof(from: fetch, for: noteBytes) }
        let cosigned = try witness.cosign(noteBytes, proof: consistency, now: UInt64(time(nil)), firstUse: firstUse)
        StandardOutput.shared.write(cosigned.bytes)
    }
}
