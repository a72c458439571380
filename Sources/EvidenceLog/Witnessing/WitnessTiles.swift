import EvidenceSupport

extension Witness {
    /// The consistency proof from the last cosigned checkpoint to the one in
    /// `noteBytes`, built by the witness itself from the log's published
    /// tiles instead of taken from the log. Nil when there is nothing to
    /// prove (no state yet, a note that does not verify, a smaller or equal
    /// size): `cosign` then refuses or accepts as it would without a proof.
    /// The proof is checked by `cosign` like any other.
    public func consistencyProof(from fetch: @escaping TileFetch, for noteBytes: [UInt8]) throws -> ConsistencyProof? {
        guard let old = try lastCosigned(),
              let note = try? SignedNote(parsing: noteBytes), (try? note.verify(logKey)) != nil,
              let cp = try? Checkpoint(text: note.text), cp.origin == origin, cp.size > old.size else { return nil }
        let tree = MerkleTreeReader(TileHashReader(treeSize: cp.size, fetch: fetch))
        let path = try tree.consistencyProof(oldSize: old.size, newSize: cp.size)
        return ConsistencyProof(oldSize: old.size, newSize: cp.size, oldRoot: old.root, newRoot: cp.root, path: path)
    }
}
