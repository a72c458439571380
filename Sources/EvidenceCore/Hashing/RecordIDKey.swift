/// A record id as a dictionary key whose hash is computed once: `evhash`
/// looks up every id it emits, on the one thread that writes the output,
/// and a `[String: …]` hashes each whole string again whenever the table
/// grows. Equality is `String`'s own (canonical equivalence), and the
/// stored hash is `String`'s own hash, so the table finds the duplicates
/// `[String: …]` finds *and* ids that differ only in Unicode normalisation,
/// which evhash refuses as look-alikes (ids are bytes everywhere else).
struct RecordIDKey: Hashable {
    let id: String
    private let hash: Int

    init(_ id: String) {
        self.id = id
        hash = id.hashValue
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    static func == (a: RecordIDKey, b: RecordIDKey) -> Bool { a.hash == b.hash && a.id == b.id }
}
