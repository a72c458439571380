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

            With --add-checkpoint the input is a C2SP tlog-witness add-checkpoint request body \
            (old size, proof lines, blank line, checkpoint) and the output the response body, this \
            witness's cosignature line. --cgi serves that request as a CGI program (REQUEST_METHOD, \
            CONTENT_LENGTH, the body on stdin) and writes a CGI response: Status 200 with the line, \
            409 with the witness's size (text/x.tlog.size), 400, 403, 404 or 422 for the spec's \
            refusals, 500 for the witness's own trouble.
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
    @Flag(name: .customLong("add-checkpoint"), help: "The input is a C2SP tlog-witness add-checkpoint request body; print the response body.")
    var addCheckpoint = false
    @Flag(help: "Serve one add-checkpoint request as a CGI program (body on stdin, CONTENT_LENGTH); write a CGI response.")
    var cgi = false
    @Option(help: ArgumentHelp("Also verify the contract index, from this material ('evchain consistency --index'; '-': stdin; with --tiles its entries are read from the tiles instead).", valueName: "file"))
    var index: String?
    @Argument(help: ArgumentHelp("The checkpoint file ('-' or none: stdin).", valueName: "file")) var file: String?

    func validate() throws {
        if index != nil {
            if addCheckpoint || cgi {
                throw ValidationError("--index needs the entries appended since the last cosigned checkpoint, which an add-checkpoint request cannot carry: run 'evchain cosign --index MATERIAL' instead")
            }
            if proof != nil {
                throw ValidationError("--index checks consistency from the entries appended since: --proof does not apply")
            }
            if index == "-" && (file == nil || file == "-") {
                throw ValidationError("--index - reads the material from stdin: give the checkpoint as a file")
            }
        }
    }

    func run() throws {
        if cgi { return try serveCGI() }
        if addCheckpoint { return try answerRequest() }
        if let index { return try cosignVerifyingIndex(material: index) }
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
        if AddCheckpointRequest.looksLikeRequest(noteBytes) {
            throw EvidenceError.usage("the input is a tlog-witness add-checkpoint request body (\"old N\"): give \(Setting("add-checkpoint"))")
        }
        if let fetch { consistency = try witness.consistencyProof(from: fetch, for: noteBytes) }
        let cosigned = try witness.cosign(noteBytes, proof: consistency, now: UInt64(time(nil)), firstUse: firstUse)
        StandardOutput.shared.write(cosigned.bytes)
    }

    /// --index: the witness that also verifies the contract index, fed by
    /// the bank's material, streamed.
    func cosignVerifyingIndex(material: String) throws {
        let witness = try Witness(key: try KeyFile.readSigner(witnessKey), logKey: try KeyFile.readVerifier(logKey),
                                  origin: origin, stateDirectory: state)
        let fetch = tiles.map { TileSource.fetch($0, client: network.client()) }
        let noteBytes: [UInt8]
        if let file, file != "-" { noteBytes = try DurableFile.readAll(file) } else if file == nil, let fetch {
            guard let bytes = try fetch("checkpoint") else { throw EvidenceError.io("not found: no checkpoint published", at: tiles! + "/checkpoint") }
            noteBytes = bytes
        } else {
            if isatty(0) == 1 { throw EvidenceError.usage("refusing to read a checkpoint from a terminal") }
            noteBytes = try DurableFile.readToEnd(fd: 0, name: "stdin", limit: 1 << 20)
        }
        let lines = try JSONLinesReader.open(material, maximumLineLength: IndexWitnessMaterial.maximumLineLength)
        let cosigned = try witness.cosignVerifyingIndex(noteBytes, now: UInt64(time(nil)), firstUse: firstUse) { task in
            try IndexWitnessMaterial.read(lines, newSize: task.checkpoint.size, tiles: fetch, begin: task.begin)
        }
        StandardOutput.shared.write(cosigned.bytes)
    }

    func makeWitness() throws -> Witness {
        if proof != nil || tiles != nil {
            throw EvidenceError.usage("an add-checkpoint request carries its proof: \(Setting("proof")) and \(Setting("tiles")) do not apply")
        }
        return try Witness(key: try KeyFile.readSigner(witnessKey), logKey: try KeyFile.readVerifier(logKey),
                           origin: origin, stateDirectory: state)
    }

    /// --add-checkpoint: the request body from the file or stdin, the
    /// response body (the cosignature line) on stdout.
    func answerRequest() throws {
        let witness = try makeWitness()
        let name = file.flatMap { $0 == "-" ? nil : $0 } ?? "stdin"
        let bytes: [UInt8]
        if name != "stdin" { bytes = try DurableFile.readAll(name, limit: AddCheckpointRequest.maximumBytes) } else {
            if isatty(0) == 1 { throw EvidenceError.usage("refusing to read a request from a terminal") }
            bytes = try DurableFile.readToEnd(fd: 0, name: "stdin", limit: AddCheckpointRequest.maximumBytes)
        }
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(parsing: bytes) } catch let e as EvidenceError { throw e.located(name) }
        do {
            let cosigned = try witness.addCheckpoint(request, now: UInt64(time(nil)), firstUse: firstUse)
            StandardOutput.shared.write(cosigned.signatures.last!.line)
        } catch let refusal as WitnessRefusal {
            throw refusal.error
        }
    }

    /// --cgi: one request, one response, whatever happens; the exit status
    /// is the one the same refusal has without --cgi, for the server's log.
    func serveCGI() throws {
        func plain(_ status: Int, _ message: String) {
            CGI.respond(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
        }
        do {
            if file != nil { throw EvidenceError.usage("--cgi reads the request from stdin: give no file") }
            let witness = try makeWitness()
            let body = try CGI.postBody(limit: AddCheckpointRequest.maximumBytes)
            let request = try AddCheckpointRequest(parsing: body)
            let cosigned = try witness.addCheckpoint(request, now: UInt64(time(nil)), firstUse: firstUse)
            CGI.respond(status: 200, contentType: "text/plain; charset=utf-8", body: Array(cosigned.signatures.last!.line.utf8))
        } catch let refusal as CGI.Refusal {
            CGI.respond(status: refusal.status, contentType: "text/plain; charset=utf-8", body: Array((refusal.message + "\n").utf8),
                        headers: refusal.headers)
            throw EvidenceError.input(refusal.message, at: "request")
        } catch let refusal as WitnessRefusal {
            if case .conflict(let size) = refusal.reason {
                CGI.respond(status: 409, contentType: "text/x.tlog.size", body: Array("\(size)\n".utf8))
            } else {
                plain(refusal.httpStatus, refusal.error.message)
            }
            throw refusal.error
        } catch let e as EvidenceError where e.kind == .input && e.location == nil && e.message.hasPrefix("malformed add-checkpoint") {
            plain(400, e.message)
            throw e.located("request")
        } catch {
            // The witness's own trouble (state, key, configuration): the
            // details go to the server's log, not to whoever asked.
            plain(500, "the witness cannot answer now")
            throw error
        }
    }
}
