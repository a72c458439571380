import Glibc

/// Whether two paths name one file, before either exists: a step that writes
/// several files must not be given one file twice.
public enum FilePaths {
    public static func same(_ a: String, _ b: String) -> Bool {
        canonical(a) == canonical(b)
    }

    /// `path` with its directory resolved, so that `x`, `./x` and `d/../x` compare equal.
    public static func canonical(_ path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(dir.isEmpty ? "/" : dir, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + base
    }
}
