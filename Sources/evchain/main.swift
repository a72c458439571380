import EvidenceSupport
import EvidenceCrypto
import EvidenceLog
import EvidencePSI

import ArgumentParser
import EvidenceCLI
import EvidenceCore
import Glibc

struct Evchain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evchain",
        abstract: "The append-only evidence log: RFC 9162 Merkle tree, C2SP checkpoints, cosignatures, proofs.",
        discussion: """
            CHAIN is the entries file (JSON Lines); CHAIN.hashes, CHAIN.index, CHAIN.meta and \
            CHAIN.checkpoint live beside it. See evchain(1).

            EXIT STATUS: 0 success; 1 a failure was found (bad proof, corrupt or torn log, \
            refused cosignature, entry not found); 2 usage or input error (nothing appended; \
            a key file readable by others); 3 I/O or environment error (file, lock, network).
            """,
        version: PackageVersion.line("evchain"),
        subcommands: [Init.self, Keygen.self, Append.self, CheckpointCommand.self, Prove.self,
                      Consistency.self, Cosign.self, Audit.self, Tiles.self, Show.self])
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new, empty chain.")
    @Argument(help: "The chain file to create.") var chain: String
    @Option(help: ArgumentHelp("The log's origin, the checkpoints' first line (e.g. bank.example/evidence/2026).", valueName: "name"))
    var origin: String

    func run() throws {
        try ChainStore.initialize(path: chain, origin: origin)
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 signed-note key pair.",
        discussion: "The private key goes to --out (created 0600, never overwritten); the verifier key is printed.")
    @Option(help: ArgumentHelp("Key name (the log's origin, or the witness's name).", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("Private key file to create.", valueName: "file")) var out: String
    @Flag(help: "A witness key (tlog-cosignature/v1, signature type 0x04) for the notary.") var witness = false

    func run() throws {
        let key = try NoteSignerKey.generate(name: name, type: witness ? .cosignatureV1 : .ed25519)
        try KeyFile.create(key, at: out)
        StandardOutput.shared.write(key.verifierKey.encoded + "\n")
    }
}

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append evidence records (stdin) as one batch.",
        discussion: """
            Prints one receipt per record, {"seq","time","id","leaf","tree_size"}, once the batch \
            is durable. A bad line appends nothing (exit 2). Appenders are serialised by a lock. \
            A record whose digest is already in the log is appended again as its own entry.
            """)
    @Argument(help: "The chain.") var chain: String
    @Argument(help: ArgumentHelp("Record files ('-' is stdin; default stdin).", valueName: "file")) var files: [String] = []
    @Option(help: ArgumentHelp("Bytes of entries held until the whole batch is validated (4096 to 1073741824); a larger batch is written uncommitted as it goes.", valueName: "bytes"))
    var buffer: Int = 1 << 26

    func validate() throws {
        guard ChainStore.appendBufferRange.contains(buffer) else {
            throw ValidationError("--buffer must be from \(ChainStore.appendBufferRange.lowerBound) to \(ChainStore.appendBufferRange.upperBound) bytes")
        }
    }

    func run() throws {
        let readers = try Inputs.open(files, what: "evidence records")
        let store = try ChainStore(path: chain, access: .write)
        guard readers.count == 1 else { throw ValidationError("append takes one input (stdin or one file)") }
        let progress = Progress(label: "appending")
        let receipts: AppendReceipts
        do {
            defer { progress.finish() }
            receipts = try store.append(from: readers[0], buffer: buffer, progress: progress.handler)
        }
        try receipts.forEachLine { StandardOutput.shared.write($0) }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a C2SP checkpoint of the current tree.",
        discussion: """
            Prints the signed note (or writes --out) and saves it as CHAIN.checkpoint. With \
            --tsa-url, also obtains an RFC 3161 timestamp token over the note's bytes and stores \
            the response (DER) as FILE.tsr beside the checkpoint.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The log's private key file.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("Write the checkpoint here instead of stdout.", valueName: "file")) var out: String?
    @Option(name: .customLong("tsa-url"), help: ArgumentHelp("RFC 3161 timestamp authority (HTTP POST).", valueName: "url"))
    var tsaURL: String?

    func run() throws {
        let signer = try KeyFile.readSigner(key)
        let store = try ChainStore(path: chain, access: .write)
        let note = try store.signCheckpoint(with: signer)
        // The token first: if the authority fails, no file has changed.
        let token = try tsaURL.map { url in try Timestamping.requestToken(for: note) {
                try HTTPClient.post(url: url, body: $0, contentType: "application/timestamp-query",
                                    accept: "application/timestamp-reply")
            } }
        try DurableFile.replace(ChainStore.checkpointPath(chain), with: note)
        if let out { try DurableFile.replace(out, with: note) }
        if let token { try DurableFile.replace((out ?? ChainStore.checkpointPath(chain)) + ".tsr", with: token) }
        if out == nil { StandardOutput.shared.write(note) }
    }
}

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inclusion proofs for entries read on stdin.",
        discussion: """
            Each output line is self-contained: {"seq","time","record","leaf","tree_size","root",\
            "proof","checkpoint"}. An id or digest proves every entry holding it. A query with no \
            entry under the checkpoint is reported and makes the exit status 1.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Prove against this checkpoint (default: CHAIN.checkpoint).", valueName: "file"))
    var checkpoint: String?
    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify the checkpoint's signature with this verifier key.", valueName: "vkey"))
    var logKey: String?
    @Flag(name: .customLong("tlog-proof"), help: "Print one entry's proof as C2SP tlog-proof text.")
    var tlogProof = false

    func run() throws {
        let readers = try Inputs.open([], what: "queries")
        let store = try ChainStore(path: chain, access: .read)
        let cp = try store.matchCheckpoint(try checkpoint.map(DurableFile.readAll), logKey: try logKey.map(KeyFile.readVerifier))
        var queries: [ChainStore.Query] = [], locations: [String] = []
        while let value = try readers[0].nextValue() {
            do { queries.append(try ChainStore.Query(json: value)) } catch let e as EvidenceError {
                throw e.located(readers[0].location)
            }
            locations.append(readers[0].location)
        }
        let seqs = try store.resolve(queries, limit: cp.checkpoint.size)
        if tlogProof {
            guard seqs.count == 1, seqs[0].count == 1 else {
                throw EvidenceError.usage("--tlog-proof proves exactly one entry; the query matched \(seqs.map(\.count).reduce(0, +))")
            }
            StandardOutput.shared.write(try store.inclusionProof(seq: seqs[0][0], against: cp).tlogProof)
            return
        }
        var missing = 0
        for (i, list) in seqs.enumerated() {
            if list.isEmpty {
                Diagnostics.warn("\(locations[i]): no entry under the checkpoint (size \(cp.checkpoint.size)) matches")
                missing += 1
            }
            for seq in list { StandardOutput.shared.writeLine(try store.inclusionProof(seq: seq, against: cp).json) }
        }
        if missing > 0 { throw ToolExit(ExitStatus.failure) }
    }
}

struct Consistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An RFC 9162 consistency proof between two tree sizes.",
        discussion: #"""
            Prints {"old_size","new_size","old_root","new_root","proof"} (hex hashes). There is no proof \
            from size 0 (RFC 9162 defines none): the first checkpoint goes to the notary without one \
            ('evchain cosign --init').
            """#)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("The older tree size (at least 1).", valueName: "n")) var from: UInt64
    @Option(help: ArgumentHelp("The newer tree size (default: the chain's, or --checkpoint's).", valueName: "m")) var to: UInt64?
    @Option(help: ArgumentHelp("Prove up to this checkpoint's size.", valueName: "file")) var checkpoint: String?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        var target = try to ?? store.size()
        if let checkpoint {
            let cp = try store.matchCheckpoint(try DurableFile.readAll(checkpoint))
            if let to, to != cp.checkpoint.size { throw ValidationError("--to differs from the checkpoint's size") }
            target = cp.checkpoint.size
        }
        StandardOutput.shared.writeLine(try store.consistencyProof(from: from, to: target).json)
    }
}

struct Cosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The notary's side: cosign a checkpoint.",
        discussion: """
            Verifies the log's signature and, against the state in --state, that the checkpoint \
            is not smaller than and is consistent with (--proof, from 'evchain consistency') the \
            last checkpoint cosigned; then prints the checkpoint with a tlog-cosignature/v1 line \
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
    @Option(help: ArgumentHelp("The log's origin (default: the log key's name).", valueName: "name")) var origin: String?
    @Flag(name: .customLong("init"), help: "First use for this log: start its state (refused if a state exists); no proof is needed.")
    var firstUse = false
    @Argument(help: ArgumentHelp("The checkpoint file ('-' or none: stdin).", valueName: "file")) var file: String?

    func run() throws {
        let witness = try Witness(key: try KeyFile.readSigner(witnessKey), logKey: try KeyFile.readVerifier(logKey),
                                  origin: origin, stateDirectory: state)
        let noteBytes: [UInt8]
        if let file, file != "-" { noteBytes = try DurableFile.readAll(file) } else {
            if isatty(0) == 1 { throw EvidenceError.usage("refusing to read a checkpoint from a terminal") }
            noteBytes = try readStandardInput()
        }
        let consistency = try proof.map { path -> ConsistencyProof in
            do {
                return try ConsistencyProof(json: try JSON.parse(try DurableFile.readAll(path)))
            } catch let e as EvidenceError { throw e.located(path) }
        }
        let cosigned = try witness.cosign(noteBytes, proof: consistency, now: UInt64(time(nil)), firstUse: firstUse)
        StandardOutput.shared.write(cosigned.bytes)
    }
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute and check the whole chain.",
        discussion: """
            Reports the first bad line (CHAIN:LINE: reason) and exits 1 on any finding, including \
            a torn tail left by an interrupted append. --repair removes such a tail (never \
            acknowledged to anyone) and nothing else. CHAIN.checkpoint is checked when present. \
            On success prints {"tree_size","root","checkpoints"}.
            """)
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Also check this checkpoint (repeatable).", valueName: "file")) var checkpoint: [String] = []
    @Option(name: .customLong("log-key"), help: ArgumentHelp("Verify checkpoint signatures with this verifier key.", valueName: "vkey"))
    var logKey: String?
    @Option(name: .customLong("witness-key"), help: ArgumentHelp("Require a valid cosignature by this witness verifier key on --checkpoint files (repeatable).", valueName: "vkey"))
    var witnessKeys: [String] = []
    @Option(name: .customLong("tsa-ca"), help: ArgumentHelp("Verify each --checkpoint's FILE.tsr timestamp with this CA (PEM).", valueName: "file"))
    var tsaCA: String?
    @Flag(help: "Remove a torn, never-acknowledged tail, and say so.") var repair = false

    func validate() throws {
        // CHAIN.checkpoint is not required to be cosigned or stamped: with no
        // --checkpoint these options would check nothing yet let audit pass.
        if (tsaCA != nil || !witnessKeys.isEmpty) && checkpoint.isEmpty {
            throw ValidationError("--tsa-ca and --witness-key check --checkpoint files: give at least one --checkpoint")
        }
        if tsaCA != nil && logKey == nil {
            throw ValidationError("--tsa-ca needs --log-key: a token covers the checkpoint as the log signed it")
        }
    }

    func run() throws {
        let store = try ChainStore(path: chain, access: repair ? .write : .audit)
        let key = try logKey.map(KeyFile.readVerifier)
        let witnesses = try witnessKeys.map(KeyFile.readVerifier)
        var checkpoints: [Checkpoint] = []
        var sources = checkpoint
        if DurableFile.exists(ChainStore.checkpointPath(chain)) { sources.append(ChainStore.checkpointPath(chain)) }
        for path in sources {
            let bytes = try DurableFile.readAll(path)
            do {
                let note = try SignedNote(parsing: bytes)
                if let key { try note.verify(key) }
                if path != ChainStore.checkpointPath(chain) { for w in witnesses { try note.verify(w) } }
                let cp = try Checkpoint(text: note.text)
                guard cp.origin == store.origin else {
                    throw EvidenceError.failure("checkpoint origin \"\(cp.origin)\" is not this chain's \"\(store.origin)\"")
                }
                checkpoints.append(cp)
                if let tsaCA, let key, path != ChainStore.checkpointPath(chain) {
                    let tokenPath = path + ".tsr"
                    guard DurableFile.exists(tokenPath) else {
                        throw EvidenceError.failure("no timestamp token \(tokenPath) (required by --tsa-ca): keep the .tsr "
                                                    + "that 'evchain checkpoint --tsa-url' wrote beside the checkpoint")
                    }
                    try Timestamping.verifyCheckpointToken(try DurableFile.readAll(tokenPath), note: note, logKey: key, caFile: tsaCA)
                }
            } catch let e as EvidenceError where e.kind != .io {
                throw EvidenceError.failure(e.message, at: path)
            }
        }
        let progress = Progress(label: "auditing")
        var result: AuditResult
        do {
            defer { progress.finish() }
            result = try store.audit(checkpoints: checkpoints, progress: progress.handler)
        }
        if let failure = result.failure { throw failure }
        if let torn = result.tornTail {
            guard repair else { throw EvidenceError.failure(torn + "; 'evchain audit --repair' removes it", at: chain) }
            _ = try store.removeTornTail()
            Diagnostics.warn("\(chain): removed \(torn)")
            result.tornTail = nil
        }
        var o = JSONObject()
        o["tree_size"] = .number(Double(result.verified))
        o["root"] = .string(Hex.encode(result.root))
        o["checkpoints"] = .array(result.checkpointsMatched.map { .number(Double($0)) })
        StandardOutput.shared.writeLine(.object(o))
    }
}

struct Tiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the log as C2SP tlog-tiles.")
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Export directory.", valueName: "dir")) var out: String
    @Option(help: ArgumentHelp("Export up to this checkpoint (default: CHAIN.checkpoint).", valueName: "file")) var checkpoint: String?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        let cp = try store.matchCheckpoint(try checkpoint.map(DurableFile.readAll))
        let export = try store.exportTiles(to: out, checkpoint: cp)
        var o = JSONObject()
        o["tree_size"] = .number(Double(export.treeSize))
        o["previous_size"] = .number(Double(export.previousSize))
        o["files_written"] = .number(Double(export.filesWritten))
        StandardOutput.shared.writeLine(.object(o))
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print committed entries as JSON Lines, filtered.")
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Only entries of this contract.", valueName: "id")) var contract: String?
    @Option(help: ArgumentHelp("Only entries of this stage.", valueName: "stage")) var stage: String?
    @Option(help: ArgumentHelp("First seq.", valueName: "seq")) var from: UInt64 = 0
    @Option(help: ArgumentHelp("Last seq (inclusive).", valueName: "seq")) var to: UInt64?

    func run() throws {
        let store = try ChainStore(path: chain, access: .read)
        try store.show(from: from, through: to, contract: contract, stage: stage) { StandardOutput.shared.write($0) }
    }
}

func readStandardInput() throws -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw EvidenceError.io("read error", at: "stdin") }
        if n == 0 { return out }
        out += buffer[0..<n]
        if out.count > 1 << 20 { throw EvidenceError.input("input larger than 1 MiB", at: "stdin") }
    }
}

ToolMain.run(Evchain.self, name: "evchain")
