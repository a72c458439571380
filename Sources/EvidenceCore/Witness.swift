import Glibc

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
public struct Witness {
    public let key: NoteSignerKey
    public let logKey: NoteVerifierKey
    public let origin: String
    public let stateDirectory: String

    public init(key: NoteSignerKey, logKey: NoteVerifierKey, origin: String?, stateDirectory: String) throws {
        guard key.type == .cosignatureV1 else {
            throw EvidenceError.usage("the witness key must be a cosignature key (evchain keygen --witness)")
        }
        self.key = key
        self.logKey = logKey
        self.origin = origin ?? logKey.name
        self.stateDirectory = stateDirectory
    }

    var statePath: String {
        "\(stateDirectory)/\(Hex.encode(DigestAlgorithm.sha256.hash(Array(origin.utf8)))).checkpoint"
    }

    /// The last checkpoint this witness cosigned for the log, if any.
    public func lastCosigned() throws -> Checkpoint? {
        guard DurableFile.exists(statePath) else { return nil }
        let note = try SignedNote(parsing: try DurableFile.readAll(statePath))
        return try Checkpoint(text: note.text)
    }

    /// Verifies `noteBytes` (signed by the log) and its consistency with the
    /// last cosigned checkpoint, records it, and returns the note with this
    /// witness's cosignature added. Refusals are failures (exit 1).
    public func cosign(_ noteBytes: [UInt8], proof: ConsistencyProof?, now: UInt64) throws -> SignedNote {
        var isDirectory = stat()
        guard stat(stateDirectory, &isDirectory) == 0, isDirectory.st_mode & S_IFMT == S_IFDIR else {
            throw EvidenceError.io("state directory does not exist", at: stateDirectory)
        }
        let lock = try DurableFile("\(stateDirectory)/lock", flags: O_RDWR | O_CREAT, mode: 0o600)
        try lock.lock(.exclusive)

        var note = try SignedNote(parsing: noteBytes)
        try note.verify(logKey)
        let cp = try Checkpoint(text: note.text)
        guard cp.origin == origin else {
            throw EvidenceError.failure("checkpoint origin \"\(cp.origin)\" is not the witnessed log \"\(origin)\"")
        }
        if let old = try lastCosigned() {
            if cp.size < old.size {
                throw EvidenceError.failure("refused: checkpoint size \(cp.size) is smaller than the \(old.size) already cosigned (rollback or split view)")
            }
            if cp.size == old.size {
                guard cp.root == old.root else {
                    throw EvidenceError.failure("refused: checkpoint of size \(cp.size) has a different root than the one already cosigned (split view)")
                }
            } else {
                guard let proof else {
                    throw EvidenceError.failure("refused: a consistency proof from size \(old.size) to \(cp.size) is needed (evchain consistency --from \(old.size) --to \(cp.size))")
                }
                guard proof.oldSize == old.size, proof.newSize == cp.size else {
                    throw EvidenceError.failure("refused: the consistency proof is from \(proof.oldSize) to \(proof.newSize), not from \(old.size) to \(cp.size)")
                }
                do {
                    try Merkle.verifyConsistency(oldSize: old.size, newSize: cp.size, oldRoot: old.root,
                                                 newRoot: cp.root, path: proof.path)
                } catch {
                    throw EvidenceError.failure("refused: checkpoint is inconsistent with the one cosigned at size \(old.size): \(error) (split view)")
                }
            }
        }
        // Drop any earlier signature by this witness, then cosign.
        note.signatures.removeAll { $0.name == key.name && $0.keyID == key.keyID }
        note.signatures.append(try Cosignature.sign(text: note.text, key: key, time: now))
        try DurableFile.replace(statePath, with: note.bytes, mode: 0o644)
        return note
    }
}
