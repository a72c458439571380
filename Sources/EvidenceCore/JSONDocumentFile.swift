#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole JSON document in a file (a case file, a purposes mapping, a
/// custody certificate): unlike JSON Lines it may be pretty-printed over many
/// lines. Errors name the file.
public enum JSONDocumentFile {
    public static let defaultMaximumSize = 16 << 20

    public static func read(_ path: String, maximumSize: Int = defaultMaximumSize) throws -> JSONValue {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EvidenceError.io("cannot open: \(String(cString: strerror(errno)))", at: path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw EvidenceError.io("read error: \(String(cString: strerror(errno)))", at: path)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > maximumSize {
                throw EvidenceError.input("larger than \(maximumSize) bytes", at: path)
            }
        }
        // Editors on Windows save UTF-8 with a byte order mark; it is not JSON.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        do { return try JSON.parse(bytes) } catch let error as EvidenceError { throw error.located(path) }
    }

    /// Reads and parses a document with `parse` (e.g. `CaseFile.init(json:)`),
    /// its errors attributed to the file.
    public static func read<T>(_ path: String, as parse: (JSONValue) throws -> T) throws -> T {
        let value = try read(path)
        do { return try parse(value) } catch let error as EvidenceError { throw error.located(path) }
    }
}
