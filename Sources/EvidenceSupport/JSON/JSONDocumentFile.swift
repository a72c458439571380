/// A whole JSON document in a file (a case file, a purposes mapping, a
/// custody certificate): unlike JSON Lines it may be pretty-printed over many
/// lines. Errors name the file.
public enum JSONDocumentFile {
    public static func read(_ path: String) throws -> JSONValue {
        var bytes = try DurableFile.readAll(path)
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
