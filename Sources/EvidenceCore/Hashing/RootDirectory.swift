import Glibc
import EvidenceSupport

/// The directory manifest paths resolve under (`--root`). A path may not
/// leave it: not absolute, no `..`, and no symlink that points outside.
public struct RootDirectory: Sendable {
    public let path: String
    private let resolved: String

    public init(_ path: String) throws {
        guard let real = RootDirectory.realPath(path) else {
            throw EvidenceError.io("cannot resolve root directory: \(String(cString: strerror(errno)))", at: path)
        }
        var st = stat()
        guard stat(real, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw EvidenceError.io("root is not a directory", at: path)
        }
        self.path = path
        resolved = real
    }

    /// The real path of `relative` under the root; errors name what is wrong.
    public func resolve(_ relative: String) throws -> String {
        guard !relative.isEmpty else { throw EvidenceError.input("\"path\" is empty") }
        guard !relative.hasPrefix("/") else {
            throw EvidenceError.input("\"path\" must be relative to the root, found absolute \"\(relative)\"")
        }
        guard !relative.split(separator: "/").contains("..") else {
            throw EvidenceError.input("\"path\" must not contain \"..\": \"\(relative)\"")
        }
        guard !relative.utf8.contains(0) else { throw EvidenceError.input("\"path\" contains a NUL byte") }
        let joined = resolved == "/" ? "/" + relative : resolved + "/" + relative
        guard let real = RootDirectory.realPath(joined) else {
            throw EvidenceError.io("cannot open \"\(relative)\": \(String(cString: strerror(errno)))")
        }
        guard real != resolved else {
            throw EvidenceError.input("\"path\" \"\(relative)\" names the root directory itself, not a file")
        }
        guard real.hasPrefix(resolved == "/" ? "/" : resolved + "/") else {
            throw EvidenceError.input("\"path\" \"\(relative)\" leads outside the root (symbolic link)")
        }
        return real
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
