import Foundation
import Glibc
import PythonHelpers

/// `python3 -m http.server --bind 127.0.0.1 0` serving `directory` (or any
/// other Python server given by `arguments` that prints its port the same
/// way), started by the test and killed when the value is released. Its
/// request log (stderr) counts the GETs it answered.
final class StaticHTTPServer {
    let url: String
    private let server: Process
    private let log: URL

    init(serving directory: String, arguments: [String]? = nil) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let portFile = scratch.appendingPathComponent("stdout")
        log = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: portFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        server = Process()
        server.executableURL = URL(fileURLWithPath: try Python.require())
        server.arguments = arguments ?? ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, "0"]
        server.standardOutput = try FileHandle(forWritingTo: portFile)
        server.standardError = try FileHandle(forWritingTo: log)
        try server.run()
        var port: String?
        for _ in 0..<200 where port == nil {
            let text = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"port (\d+)"#, options: .regularExpression) {
                port = String(text[r].dropFirst(5))
            } else { usleep(50_000) }
        }
        guard let port else {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            throw CocoaError(.fileReadUnknown)
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// GET requests answered so far.
    var gets: Int {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: "\"GET ").count - 1
    }

    /// What the server wrote to its log (stderr) so far.
    var requestLog: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        try? FileManager.default.removeItem(at: log.deletingLastPathComponent())
    }
}
