import EvidenceSupport

/// The log's side of c2sp.org/tlog-witness: submit a checkpoint to one
/// witness and bring back only cosignatures that verify under its key.
///
/// HTTP is the caller's (`post`: the URL and body in, the status and body
/// out); so is the log (`proof`: the consistency proof from a size to the
/// checkpoint's, from the log's own hashes).
public struct WitnessSubmission {
    /// A witness as the bank names it: `URL=VKEY`, the submission prefix
    /// (requests go to `URL/add-checkpoint`) and the witness's verifier key.
    public struct Endpoint: Sendable {
        public let url: String
        public let key: NoteVerifierKey

        public init(url: String, key: NoteVerifierKey) throws {
            guard key.type == .cosignatureV1 else {
                throw EvidenceError.usage("\(Setting("witness")) \(url): \(key.name) is not a witness (cosignature) key")
            }
            self.url = url; self.key = key
        }

        public var addCheckpointURL: String {
            (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/add-checkpoint"
        }
    }

    /// What one submission learnt: the cosignature lines that verified, and
    /// the size the witness now holds (nil when it never said).
    public struct Outcome: Sendable {
        public var cosignatures: [NoteSignature] = []
        public var witnessSize: UInt64?
        /// Why the witness gave no usable cosignature; nil on success.
        public var error: EvidenceError?
    }

    public typealias Post = (_ url: String, _ body: [UInt8]) throws -> (status: Int, body: [UInt8])

    /// The longest part of a refusal's body quoted in a message.
    static let quotedBytes = 200

    /// Submits `note` (its checkpoint `checkpoint`) to `witness`, starting
    /// from `knownSize` (the size the bank last knew the witness at; 0 when
    /// unknown). A 409 answer names the witness's size: the proof is rebuilt
    /// from it and the request sent once more. Network errors are thrown;
    /// everything the witness said is in the outcome.
    public static func submit(_ note: SignedNote, checkpoint: Checkpoint, to witness: Endpoint, knownSize: UInt64,
                              now: Int64, proof: (_ from: UInt64) throws -> [Hash], post: Post) throws -> Outcome {
        var outcome = Outcome()
        let url = witness.addCheckpointURL
        func refused(_ why: String) -> Outcome {
            var o = outcome
            o.error = EvidenceError.failure("witness \(witness.key.name) refused the checkpoint: \(why)", at: url)
            return o
        }
        // A witness ahead of the checkpoint is asked from 0, to learn its size.
        var old = knownSize <= checkpoint.size ? knownSize : 0
        for attempt in 0..<2 {
            let path = old > 0 && old < checkpoint.size ? try proof(old) : []
            let request = AddCheckpointRequest(oldSize: old, proof: path, checkpoint: note.bytes)
            let (status, body) = try post(url, request.body)
            switch status {
            case 200:
                do {
                    outcome.cosignatures = try verifiedCosignatures(body, note: note, key: witness.key, now: now)
                } catch let e as EvidenceError {
                    return refused(e.message)
                }
                outcome.witnessSize = checkpoint.size
                return outcome
            case 409:
                guard let size = conflictSize(body) else {
                    return refused("HTTP 409 without its size (\"text/x.tlog.size\": a decimal and a newline)")
                }
                outcome.witnessSize = size
                guard size <= checkpoint.size else {
                    return refused("it has cosigned size \(size), more than this checkpoint's \(checkpoint.size) "
                                   + "(it saw a longer log: split view, or a chain rolled back)")
                }
                guard attempt == 0 else { return refused("HTTP 409 again, at size \(size)") }
                old = size
            case 500..<600:
                throw EvidenceError.io("witness \(witness.key.name) answered HTTP \(status)\(quoted(body))", at: url)
            case 300..<400:
                throw EvidenceError.io("the witness answered HTTP \(status), a redirect (redirects are not followed)", at: url)
            default:
                return refused("HTTP \(status)\(quoted(body))")
            }
        }
        return outcome  // not reached: the loop returns on its second pass
    }

    /// A 409 body: the size in canonical decimal and one newline.
    static func conflictSize(_ body: [UInt8]) -> UInt64? {
        guard body.last == 0x0A, let text = String(validating: body.dropLast(), as: UTF8.self),
              let size = UInt64(text), String(size) == text else { return nil }
        return size
    }

    /// `: <the first line of the body>`, printable ASCII only and bounded, so
    /// that a witness's words cannot forge lines of our diagnostics.
    static func quoted(_ body: [UInt8]) -> String {
        let line = body.prefix { $0 != 0x0A }.prefix(quotedBytes)
        let text = String(decoding: line.map { (0x20...0x7e).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        return text.isEmpty ? "" : ": \(text)"
    }

    /// The cosignature lines of a 200 body that verify under `key` over the
    /// checkpoint's text. The body is read as the spec suggests, as the
    /// signature lines of the note (lines of other keys are ignored); a line
    /// by `key` that fails, none at all, a time of 0 (the spec forbids
    /// omitting it) or a time ahead of this clock is refused.
    public static func verifiedCosignatures(_ body: [UInt8], note: SignedNote, key: NoteVerifierKey, now: Int64,
                                            clockSkew: Int64 = Timestamping.defaultClockSkew) throws -> [NoteSignature] {
        let reply: SignedNote
        do {
            reply = try SignedNote(parsing: Array((note.text + "\n").utf8) + body)
        } catch let e as EvidenceError {
            throw EvidenceError.failure("the reply is not cosignature lines (\(e.message))")
        }
        guard reply.text == note.text else { throw EvidenceError.failure("the reply is not cosignature lines") }
        let times = try reply.verify(key)
        for time in times {
            guard let time else { throw EvidenceError.failure("\(key.name) is not a witness (cosignature) key") }
            guard time > 0 else { throw EvidenceError.failure("cosignature by \(key.name) has time 0 (c2sp.org/tlog-witness forbids it)") }
            guard Int64(time) <= now + clockSkew else {
                throw EvidenceError.failure("cosignature by \(key.name) has time \(time), in the future (more than \(clockSkew) s ahead of this clock)")
            }
        }
        var seen = Set<String>()
        return reply.signatures.filter { $0.name == key.name && $0.keyID == key.keyID && seen.insert($0.line).inserted }
    }
}
