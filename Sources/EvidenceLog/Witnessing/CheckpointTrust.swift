import Glibc
import EvidenceSupport

/// What a verifier may rely on about a checkpoint: the log signed it, which
/// witnesses (notaries) cosigned it and when, and whether a timestamp
/// authority stamped it. A checkpoint that fails any required check is not
/// an input error — the items proven against it are `unproven`, with the
/// reason — because a forged or unwitnessed checkpoint is itself a finding.
public struct CheckpointTrust: Sendable {
    public struct Cosigner: Sendable {
        public var key: NoteVerifierKey
        /// Seconds since the epoch, as the witness signed it.
        public var time: UInt64
    }

    public struct Requirements: Sendable {
        public var logKey: NoteVerifierKey
        public var witnessKeys: [NoteVerifierKey] = []
        /// The witness keys whose operators declared that they also verify
        /// the contract index (`evchain cosign --index`; INDEX-SPEC §5, a
        /// C2SP tlog-cosignature "additional statement"). Each is also in
        /// `witnessKeys`: an index witness is a witness first.
        public var indexWitnessKeys: [NoteVerifierKey] = []
        /// Valid cosignatures required among `witnessKeys`.
        public var quorum = 0
        /// CA certificates (PEM) a timestamp token must chain to; when set,
        /// a valid token is required.
        public var tsaCAFile: String?
        /// The checker said `--no-witness`: no cosignature is required.
        public var acceptsNoWitness = false
        /// The verifier's clock (seconds since the epoch) and how far ahead
        /// of it a cosignature time or a timestamp's genTime may be: a time
        /// later than `now + clockSkew` is refused, as no honest clock wrote it.
        public var now = Int64(time(nil))
        public var clockSkew = Timestamping.defaultClockSkew

        public init(logKey: NoteVerifierKey) { self.logKey = logKey }

        /// From command-line arguments: keys literally or as files, each
        /// counted once however often it is given; the quorum defaults to 1
        /// when any witness key is given. Accepting no cosignature at all
        /// must be asked for (`noWitness`): the log's own signature is not a
        /// neutral third party's.
        /// `indexWitnessKeys` are witness keys that also count for the index.
        public init(logKey: String, witnessKeys: [String], indexWitnessKeys: [String] = [], quorum: Int?, tsaCAFile: String?,
                    noWitness: Bool = false) throws {
            self.logKey = try KeyFile.readVerifier(logKey)
            let indexKeys = try indexWitnessKeys.map(KeyFile.readVerifier)
            self.witnessKeys = try CheckpointTrust.independentWitnessKeys(try witnessKeys.map(KeyFile.readVerifier) + indexKeys,
                                                                          logKey: self.logKey)
            self.indexWitnessKeys = try CheckpointTrust.independentWitnessKeys(indexKeys, logKey: self.logKey)
            if noWitness && !(witnessKeys.isEmpty && indexWitnessKeys.isEmpty) {
                throw EvidenceError.usage("give \(Setting("witness-key")) or \(Setting("no-witness")), not both")
            }
            self.quorum = quorum ?? (self.witnessKeys.isEmpty ? 0 : 1)
            guard self.quorum >= 0, self.quorum <= self.witnessKeys.count else {
                throw EvidenceError.usage("\(Setting("quorum")) \(self.quorum) needs at least as many distinct \(Setting("witness-key")) (\(self.witnessKeys.count) given)")
            }
            if self.quorum == 0 && !noWitness {
                throw EvidenceError.usage("no witness cosignature would be checked: give \(Setting("witness-key")) (the notary's verifier key), or \(Setting("no-witness")) to accept the log's own signature alone")
            }
            acceptsNoWitness = noWitness
            self.tsaCAFile = tsaCAFile
        }
    }

    /// The witness keys that are independent signers, each public key once
    /// (two names for one key are one witness); a key with the log's public
    /// key, under any name or type, is refused (usage): a log cannot witness
    /// its own checkpoints. `evverify` and `evchain audit` both start here.
    public static func independentWitnessKeys(_ keys: [NoteVerifierKey], logKey: NoteVerifierKey) throws -> [NoteVerifierKey] {
        var distinct: [NoteVerifierKey] = []
        for key in keys {
            if key.hasSamePublicKey(as: logKey) {
                throw EvidenceError.usage("witness key \(key.name) has the log key's public key: a log cannot witness its own checkpoints")
            }
            if !distinct.contains(where: { $0.hasSamePublicKey(as: key) }) { distinct.append(key) }
        }
        return distinct
    }

    /// The note as given, with every signature line.
    public let noteBytes: [UInt8]
    public let note: SignedNote
    public let checkpoint: Checkpoint
    public let cosigners: [Cosigner]
    /// The valid cosigners (of `cosigners`) whose keys are index witnesses
    /// (`Requirements.indexWitnessKeys`): those who, by their operators'
    /// declaration, recomputed the checkpoint's contract index root before
    /// cosigning. Only they vouch for a completeness claim (INDEX-SPEC §6);
    /// a plain witness vouches for the tree size and root alone. They vouch
    /// for the index line the checkpoint carries: without that line the
    /// list is empty.
    public let indexCosigners: [Cosigner]
    /// Valid cosignatures that were required.
    public let quorum: Int
    public let acceptsNoWitness: Bool
    public let timestampToken: [UInt8]?
    /// The authority's time in the token (RFC 3339), only when the token
    /// verified — chain checked at that time, imprint and skew rules held.
    public let timestampTime: String?
    /// The same verified genTime in seconds since the epoch.
    public let timestampSeconds: Int64?
    /// Why the checkpoint cannot be relied on; nil when it can.
    public let failure: String?

    public var isTrusted: Bool { failure == nil }

    /// What was checked of the witnesses, for `--text`:
    /// `checkpoint (tree size 31): 1 witness cosignature checked (quorum 1)`.
    public var witnessSummary: String {
        let n = cosigners.count
        return "checkpoint (tree size \(checkpoint.size)): \(n) witness cosignature\(n == 1 ? "" : "s") checked"
            + (acceptsNoWitness ? " (\(Setting("no-witness")))" : " (quorum \(quorum))")
            + (indexCosigners.isEmpty ? "" : ", \(indexCosigners.count) by an index witness (\(indexCosigners.map(\.key.name).joined(separator: ", ")))")
            + (timestampTime.map { "; timestamp \($0) verified, the TSA's certificate chain checked at that time" } ?? "")
    }

    /// Evaluates `noteBytes`. Throws only when the bytes are not a signed
    /// checkpoint at all (an input error); a bad signature, a missing
    /// cosignature or timestamp is recorded in `failure`.
    public init(noteBytes: [UInt8], timestampToken: [UInt8]?, requirements: Requirements) throws {
        self.noteBytes = noteBytes
        let note: SignedNote
        do {
            note = try SignedNote(parsing: noteBytes)
        } catch let e as EvidenceError {
            throw EvidenceError.input("not a signed checkpoint: \(e.message)")
        }
        self.note = note
        checkpoint = try Checkpoint(text: note.text)
        self.timestampToken = timestampToken
        var problems: [String] = []
        do {
            try note.verify(requirements.logKey)
        } catch let e as EvidenceError {
            problems.append("checkpoint signature: \(e.message)")
        }
        if checkpoint.origin != requirements.logKey.name {
            problems.append("checkpoint origin \"\(checkpoint.origin)\" is not the log key's name \"\(requirements.logKey.name)\"")
        }
        var cosigners: [Cosigner] = []
        var witnessProblems: [String] = []
        for key in requirements.witnessKeys {
            // Requirements may be built by hand: independence is checked here too.
            if key.hasSamePublicKey(as: requirements.logKey) {
                witnessProblems.append("\(key.name) has the log key's public key (no independent witness)")
                continue
            }
            if let same = cosigners.first(where: { $0.key.hasSamePublicKey(as: key) }) {
                witnessProblems.append("\(key.name) has the public key of \(same.key.name) (one witness, counted once)")
                continue
            }
            do {
                if let time = try note.verify(key).compactMap({ $0 }).first {
                    // Cosignature.verify bounds time by Int64.max.
                    guard Int64(time) <= requirements.now + requirements.clockSkew else {
                        witnessProblems.append("cosignature by \(key.name) has time \(time), in the future "
                                               + "(more than \(requirements.clockSkew) s ahead of this clock)")
                        continue
                    }
                    cosigners.append(Cosigner(key: key, time: time))
                } else {
                    witnessProblems.append("\(key.name) is not a witness (cosignature) key")
                }
            } catch let e as EvidenceError {
                witnessProblems.append(e.message)
            }
        }
        self.cosigners = cosigners
        // Judged by public key, never by name, as independence is; with no
        // index line there is no index for anyone to have vouched for.
        indexCosigners = checkpoint.contractIndexRoot == nil ? []
            : cosigners.filter { c in requirements.indexWitnessKeys.contains { $0.hasSamePublicKey(as: c.key) } }
        quorum = requirements.quorum
        acceptsNoWitness = requirements.acceptsNoWitness
        if cosigners.count < requirements.quorum {
            problems.append("checkpoint has \(cosigners.count) valid cosignature\(cosigners.count == 1 ? "" : "s"), quorum is \(requirements.quorum)"
                            + (witnessProblems.isEmpty ? "" : " (\(witnessProblems.joined(separator: "; ")))"))
        }
        var stampTime: String? = nil
        var stampSeconds: Int64? = nil
        if let ca = requirements.tsaCAFile {
            if let token = timestampToken {
                do {
                    stampSeconds = try Timestamping.verifyCheckpointToken(token, note: note, logKey: requirements.logKey, caFile: ca,
                                                                          now: requirements.now, skew: requirements.clockSkew)
                    stampTime = Timestamping.generationTime(token)
                } catch let e as EvidenceError {
                    if e.kind == .io { throw e }
                    problems.append(e.message)
                }
            } else {
                problems.append("no timestamp token for the checkpoint (required by \(Setting("tsa-ca")))")
            }
        }
        timestampTime = stampTime
        timestampSeconds = stampSeconds
        failure = problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}

extension NoteVerifierKey {
    /// Whether two verifier keys are one signer: the same Ed25519 public key,
    /// whatever their names, key IDs or types. Independence (of a witness
    /// from the log, of two witnesses, of an issuer from both) is judged by
    /// this, never by names.
    public func hasSamePublicKey(as other: NoteVerifierKey) -> Bool { publicKey == other.publicKey }
}
