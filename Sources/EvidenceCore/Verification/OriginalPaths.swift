import Glibc
import EvidenceSupport

/// Where one worker finds originals under the root, at the cost of one
/// path walk a file instead of one a path component: each directory is
/// resolved (realpath) once and must lie under the root; a file in it is
/// then opened once, not following a symbolic link, and must be a regular
/// file; the open file is kept for the digest that follows. Anything else —
/// a file at the root, a symbolic link, a missing or unreadable file, a
/// path `RootDirectory` would refuse — goes through
/// `RootDirectory.resolve` whole, so the answers (and the errors) are the
/// same as resolving every path anew.
final class OriginalPaths {
    let root: RootDirectory
    private let realRoot: String?
    private var directories: [Substring: String?] = [:]
    /// The last path found to be a regular file: its real path, and the
    /// file opened (-1 once `opened` handed it over) with its size.
    private var last: (relative: String, real: String, fd: Int32, size: Int)?

    init(root: RootDirectory) {
        self.root = root
        realRoot = RootDirectory.realPath(root.path)
    }

    deinit { forget() }

    private func forget() {
        if let last, last.fd >= 0 { close(last.fd) }
        last = nil
    }

    /// The real path of a regular file `relative`, if the quick way finds one.
    private func quick(_ relative: String) -> String? {
        if let last, last.relative == relative { return last.real }
        forget()
        guard let realRoot, !relative.isEmpty, !relative.hasPrefix("/"), !relative.utf8.contains(0),
              let slash = relative.lastIndex(of: "/") else { return nil }
        guard OriginalPaths.plainComponents(relative) else { return nil }
        let dir = relative[..<slash]
        let realDir: String?
        if let known = directories[dir] {
            realDir = known
        } else {
            let joined = root.path == "/" ? "/" + dir : root.path + "/" + dir
            realDir = RootDirectory.realPath(joined).flatMap { r in
                r.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") ? r : nil
            }
            directories[dir] = .some(realDir)
        }
        guard let realDir else { return nil }
        let file = realDir + "/" + relative[relative.index(after: slash)...]
        // O_NONBLOCK: a FIFO must not block the open (it is then refused).
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        // Regular files ignore O_NONBLOCK, but clear it anyway (as `RegularFile.open`).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        last = (relative, file, fd, Int(st.st_size))
        return file
    }

    /// The regular file `relative` opened for reading if the quick way
    /// finds it (the caller closes it), its size when opened and its real
    /// path; nil: resolve it and open that.
    func opened(_ relative: String) -> (fd: Int32, size: Int, real: String)? {
        guard quick(relative) != nil, let kept = last, kept.fd >= 0 else { return nil }
        last = (kept.relative, kept.real, -1, kept.size)
        return (kept.fd, kept.size, kept.real)
    }

    /// Whether no component of `relative` is empty, "." or "..", checked
    /// on its bytes (splitting it was a good part of the quick way's cost).
    static func plainComponents(_ relative: String) -> Bool {
        var length = 0, dots = 0
        for byte in relative.utf8 {
            if byte == UInt8(ascii: "/") {
                if length == 0 || (dots == length && length <= 2) { return false }
                length = 0; dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return length > 0 && !(dots == length && length <= 2)
    }

    /// `RootDirectory.resolve(relative)`.
    func resolve(_ relative: String) throws -> String {
        try quick(relative) ?? root.resolve(relative)
    }

    /// Whether `relative` names something under the root at all (the
    /// check `sha256sum -c` makes before reading).
    func exists(_ relative: String) -> Bool {
        if quick(relative) != nil { return true }
        let joined = root.path == "/" ? "/" + relative : root.path + "/" + relative
        return DurableFile.exists(joined)
    }
}
