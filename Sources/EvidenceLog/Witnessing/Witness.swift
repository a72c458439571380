import Glibc
import EvidenceCrypto
import EvidenceSupport

/// The notary's side: a witness that cosigns a log's checkpoints only when
/// they extend, consistently, the last one it cosigned (c2sp.org/tlog-witness
/// semantics over files instead of HTTP).
///
/// State directory: one file per log, `<hex SHA-256 of the origin>.checkpoint`,
/// holding the last checkpoint note this witness cosigned (as it returned
/// it), plus a `lock` file. The state is replaced atomically (write a
/// temporary, fsync, rename, fsync the directory) *before* the cosigned
/// checkpoint is released, so a crash at any point leaves either the old or
/// the new state, and never a cosignature the state does not account for.
///
/// The state is the witness's whole memory of the log: lose it and any
/// rollback looks like a first checkpoint. So a missing state file is an
/// error unless the caller says this is the first use (`firstUse`), and the
/// file is never read through a symbolic link (one could point at an older
/// state, or nowhere).
public struct Witness {
    public let key: NoteSignerKey
    public let logKey: NoteVerifierKey
    public let origin: String
    public let stateDirectory: String

    public init(key: NoteSignerKey, logKey: NoteVerifierKey, origin: String?, stateDirectory: String) throws {
        guard key.type == .cosignatureV1 else {
            throw EvidenceError.usage("the witness key must be a cosignature key (evchain keygen \(Setting("witness")))")
        }
        self.key = key
        self.logKey = logKey
        self.origin = origin ?? logKey.name
        self.stateDirectory = stateDirectory
    }

    var statePath: String {
        "\(stateDirectory)/\(Hex.encode(DigestAlgorithm.sha256.hash(Array(origin.utf8)))).checkpoint"
    }

    /// The last checkpoint this witness cosigned for the log; nil when no
    /// state file exists. A state that is a symbolic link, not a regular
    /// file, unreadable or damaged is an I/O error.
    public func lastCosigned() throws -> Checkpoint? {
        guard let bytes = try readState(statePath) else { return nil }
        do {
            return try Checkpoint(text: try SignedNote(parsing: bytes).text)
        } catch let e as EvidenceError {
            throw EvidenceError.io("the witness state is damaged: \(e.message)", at: statePath)
        }
    }

    /// A state file's bytes; nil when it does not exist. One that is a
    /// symbolic link or not a regular file is an I/O error.
    func readState(_ path: String) throws -> [UInt8]? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw DurableFile.error("cannot stat the witness state", path)
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK: throw EvidenceError.io("the witness state is a symbolic link; refusing to follow it", at: path)
        default: throw EvidenceError.io("the witness state is not a regular file", at: path)
        }
        // O_NOFOLLOW: a symlink swapped in after the lstat is refused too.
        let file = try DurableFile(path, flags: O_RDONLY | O_NOFOLLOW)
        return try file.read(at: 0, count: Int(try file.size()))
    }

    /// Verifies `noteBytes` (signed by the log) and its consistency with the
    /// last cosigned checkpoint, records it, and returns the note with this
    /// witness's cosignature added. Refusals are failures (exit 1).
    ///
    /// `firstUse` starts the state for a log this witness never cosigned
    /// (c2sp.org/tlog-witness: old size 0, whose proof is empty, so `proof`
    /// may be nil); it is refused when a state exists, and without it a
    /// missing state is an I/O error.
    public func cosign(_ noteBytes: [UInt8], proof: ConsistencyProof?, now: UInt64,
                       firstUse: Bool = false) throws -> SignedNote {
        do {
            return try accept(noteBytes, proof: proof, claimedOldSize: nil, index: nil, now: now, firstUse: firstUse)
        } catch let refusal as WitnessRefusal {
            throw refusal.error
        }
    }

    /// The checks of `cosign`, each refusal tagged with what c2sp.org/tlog-witness
    /// answers for it. `claimed` is an add-checkpoint request's old size and
    /// proof lines: checked against the state under the same lock that
    /// guards its update, as the spec requires (two requests checked before
    /// either is recorded could roll the state back).
    ///
    /// `index` (`cosignVerifyingIndex`) checks the contract index and, with
    /// it, the consistency of the new entries with the old tree, in place of
    /// a consistency proof.
    func accept(_ noteBytes: [UInt8], proof: ConsistencyProof?, claimedOldSize claimed: (size: UInt64, path: [Hash])?,
                index: IndexVerification?, now: UInt64, firstUse: Bool) throws -> SignedNote {
        var isDirectory = stat()
        guard stat(stateDirectory, &isDirectory) == 0, isDirectory.st_mode & S_IFMT == S_IFDIR else {
            throw EvidenceError.io("state directory does not exist", at: stateDirectory)
        }
        let lock = try DurableFile("\(stateDirectory)/lock", flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
        try lock.lock(.exclusive)

        let note: SignedNote
        let cp: Checkpoint
        do {
            note = try SignedNote(parsing: noteBytes)
            cp = try Checkpoint(text: note.text)
        } catch let e as EvidenceError { throw WitnessRefusal(.badRequest, e) }
        // The origin before the signature (c2sp.org/tlog-witness): another
        // log's checkpoint is an unknown log, not a bad signature.
        guard cp.origin == origin else {
            throw WitnessRefusal(.unknownLog, .failure("checkpoint origin \"\(cp.origin)\" is not the witnessed log \"\(origin)\""))
        }
        do { try note.verify(logKey) } catch let e as EvidenceError { throw WitnessRefusal(.badSignature, e) }
        let old = try lastCosigned()
        let indexState = try verifiedIndexStates()
        if index == nil && indexState != nil {
            throw WitnessRefusal(.badRequest, .usage("this witness verifies the contract index of \"\(origin)\": it cosigns only with "
                                                     + "the entries appended since (evchain cosign \(Setting("index"))), which a plain "
                                                     + "request or consistency proof does not carry"))
        }
        if let index {
            return try acceptVerifyingIndex(note, cp, old: old, verified: indexState ?? [], index: index, now: now, firstUse: firstUse)
        }
        var proof = proof
        if let claimed {
            guard claimed.size <= cp.size else {
                throw WitnessRefusal(.badRequest, .failure("refused: old size \(claimed.size) is larger than the checkpoint's size \(cp.size)"))
            }
            guard cp.size > 0 || cp.root == Merkle.emptyRoot else {
                throw WitnessRefusal(.inconsistent, .failure("refused: a checkpoint of size 0 must have the empty tree's root"))
            }
            if old != nil || firstUse {
                let current = old?.size ?? 0
                guard claimed.size == current else {
                    throw WitnessRefusal(.conflict(current), .failure("refused: old size \(claimed.size) is not the size \(current) this witness last cosigned"))
                }
            }
            guard claimed.size > 0 && claimed.size < cp.size || claimed.path.isEmpty else {
                throw WitnessRefusal(.inconsistent, .failure("refused: a proof from size \(claimed.size) to \(cp.size) must be empty (c2sp.org/tlog-witness)"))
            }
            if claimed.size > 0 && claimed.size < cp.size, let old {
                proof = ConsistencyProof(oldSize: claimed.size, newSize: cp.size, oldRoot: old.root, newRoot: cp.root, path: claimed.path)
            }
        }
        guard let old else {
            guard firstUse else {
                throw EvidenceError.io("no state for log \"\(origin)\": if this witness never cosigned it, start with \(Setting("init")); "
                                       + "otherwise restore the state (starting over would accept a rollback)", at: statePath)
            }
            if let proof {
                guard proof.oldSize == 0, proof.newSize == cp.size else {
                    throw WitnessRefusal(.inconsistent, .failure("refused: this witness never cosigned \"\(origin)\", so the proof must be from size 0 to \(cp.size), not from \(proof.oldSize) to \(proof.newSize)"))
                }
                guard proof.path.isEmpty else {
                    throw WitnessRefusal(.inconsistent, .failure("refused: a proof from size 0 must be empty (c2sp.org/tlog-witness)"))
                }
            }
            return try record(note, now: now)
        }
        guard !firstUse else {
            throw EvidenceError.usage("\(Setting("init")): this witness already cosigned \"\(origin)\" up to size \(old.size); cosign without \(Setting("init"))")
        }
        if cp.size < old.size {
            throw WitnessRefusal(.conflict(old.size), .failure("refused: checkpoint size \(cp.size) is smaller than the \(old.size) already cosigned (rollback or split view)"))
        }
        if cp.size == old.size {
            guard cp.root == old.root else {
                throw WitnessRefusal(.inconsistent, .failure("refused: checkpoint of size \(cp.size) has a different root than the one already cosigned (split view)"))
            }
        } else if old.size > 0 {  // the empty tree is consistent with any tree
            guard let proof else {
                throw WitnessRefusal(.inconsistent, .failure("refused: a consistency proof from size \(old.size) to \(cp.size) is needed (evchain consistency \(Setting("from")) \(old.size) \(Setting("to")) \(cp.size))"))
            }
            guard proof.oldSize == old.size, proof.newSize == cp.size else {
                throw WitnessRefusal(.conflict(old.size), .failure("refused: the consistency proof is from \(proof.oldSize) to \(proof.newSize), not from \(old.size) to \(cp.size)"))
            }
            do {
                try Merkle.verifyConsistency(oldSize: old.size, newSize: cp.size, oldRoot: old.root,
                                             newRoot: cp.root, path: proof.path)
            } catch {
                throw WitnessRefusal(.inconsistent, .failure("refused: checkpoint is inconsistent with the one cosigned at size \(old.size): \(error) (split view)"))
            }
        }
        return try record(note, now: now)
    }

    /// The most signature lines of other keys a cosigned checkpoint passes on
    /// (as many as a checker counts witnesses, `--quorum` at most 1024).
    public static let maximumOtherSignatures = 1024
    /// The longest key name of a signature line passed on, in UTF-8 bytes.
    public static let maximumKeyNameBytes = 256

    /// Whether a signature line this witness cannot verify (another witness's
    /// key, unknown to it) is passed on: only with the size of a signature
    /// the toolkit knows — Ed25519 (64 bytes) or tlog-cosignature/v1 (8 + 64)
    /// — and a name of at most `maximumKeyNameBytes`, so that what a witness
    /// signs and prints stays bounded whatever the log sends.
    static func passesOn(_ sig: NoteSignature) -> Bool {
        (sig.signature.count == Ed25519.signatureSize || sig.signature.count == 8 + Ed25519.signatureSize)
            && sig.name.utf8.count <= maximumKeyNameBytes
    }

    /// Cosigns `note` and makes it the state, before anyone sees the cosignature.
    func record(_ note: SignedNote, now: UInt64) throws -> SignedNote {
        var note = note
        // Drop any earlier signature by this witness; keep the log's (verified
        // by `cosign`) and, bounded, the lines of other keys; then cosign.
        note.signatures.removeAll { $0.name == key.name && $0.keyID == key.keyID }
        var others = 0
        var seen = Set<String>()
        note.signatures.removeAll { sig in
            // A line repeated is passed on once (the log's too: verified, but unbounded in number).
            guard seen.insert(sig.line).inserted else { return true }
            if sig.name == logKey.name && sig.keyID == logKey.keyID { return false }
            guard Self.passesOn(sig), others < Self.maximumOtherSignatures else { return true }
            others += 1
            return false
        }
        note.signatures.append(try Cosignature.sign(text: note.text, key: key, time: now))
        try DurableFile.replace(statePath, with: note.bytes, mode: 0o644)
        return note
    }
}
