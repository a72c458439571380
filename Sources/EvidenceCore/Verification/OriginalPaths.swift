import Glibc
import EvidenceSupport

/// Where one worker finds originals under the root, at the cost of one
/// path walk a file instead of one a path component: each directory is
/// resolved (realpath) once and must lie under the root, and is kept open
/// (up to a share of the descriptor limit); a file in it is then opened
/// once, relative to it (the kernel walks one component, not the whole
/// path), not following a symbolic link, and must be a regular file; the
/// open file is kept for the digest that follows. Anything else —
/// a file at the root, a symbolic link, a missing or unreadable file, a
/// path `RootDirectory` would refuse — goes through
/// `RootDirectory.resolve` whole, so the answers (and the errors) are the
/// same as resolving every path anew.
final class OriginalPaths {
    let root: RootDirectory
    private let realRoot: String?
    /// Each directory's real path (nil: not under the root), by its bytes:
    /// a name that only looks like another (another Unicode normalisation)
    /// is another directory.
    private var directories: [ExactString: Directory?] = [:]
    private struct Directory {
        /// The real path and a slash: a file's real path is this and its name.
        let prefix: String
        /// Opened with O_PATH, or -1 past `maximumOpenDirectories`.
        let fd: Int32
    }
    private var openDirectories = 0
    /// O_PATH (Linux; Glibc's module does not export it): a directory
    /// opened only to open files in it needs no read permission.
    static let pathOnly: Int32 = 0o10000000
    /// Directories kept open by one worker: a sixteenth of the descriptor
    /// limit, at most 1,024.
    static let maximumOpenDirectories: Int = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return Int(min(limit.rlim_cur / 16, 1024))
    }()
    /// The last path found to be a regular file: its real path, and the
    /// file opened (-1 once `opened` handed it over) with its size.
    private var last: (relative: String, real: String, fd: Int32, size: Int)?

    init(root: RootDirectory) {
        self.root = root
        realRoot = RootDirectory.realPath(root.path)
    }

    deinit {
        forget()
        for case let directory?? in directories.values where directory.fd >= 0 { close(directory.fd) }
    }

    private func forget() {
        if let last, last.fd >= 0 { close(last.fd) }
        last = nil
    }

    /// The real path of a regular file `relative`, if the quick way finds one.
    private func quick(_ relative: String) -> String? {
        if let last, last.relative.sameBytes(as: relative) { return last.real }
        forget()
        let utf8 = relative.utf8
        guard let realRoot, let first = utf8.first, first != UInt8(ascii: "/"), !utf8.contains(0),
              let slash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        guard OriginalPaths.plainComponents(relative) else { return nil }
        let dir = ExactString(String(relative[..<slash]))
        let directory: Directory?
        if let known = directories[dir] {
            directory = known
        } else {
            let joined = root.path == "/" ? "/" + dir.string : root.path + "/" + dir.string
            directory = RootDirectory.realPath(joined).flatMap { real in
                guard real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else { return nil }
                guard openDirectories < Self.maximumOpenDirectories else { return Directory(prefix: real + "/", fd: -1) }
                let fd = Glibc.open(real, Self.pathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if fd >= 0 { openDirectories += 1 }
                return Directory(prefix: real + "/", fd: fd)
            }
            directories[dir] = .some(directory)
        }
        guard let directory else { return nil }
        let name = String(relative[utf8.index(after: slash)...])
        let file = directory.prefix + name
        // O_NONBLOCK: a FIFO must not block the open (it is then refused).
        let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
        let fd = directory.fd >= 0 ? openat(directory.fd, name, flags) : Glibc.open(file, flags)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        // O_NONBLOCK stays: reads of a regular file ignore it (open(2)), and
        // clearing it was two system calls an original.
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

    /// Whether a component of `path` is "..", checked on its bytes.
    static func hasParentComponent(_ path: String) -> Bool {
        var length = 0, dots = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if length == 2 && dots == 2 { return true }
                length = 0; dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return length == 2 && dots == 2
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
