import Foundation
import PythonHelpers

/// A throwaway RFC 3161 timestamp authority on the loopback interface
/// (Tests/Independent/tsa_server.py: `openssl ts -reply` behind HTTP),
/// stopped when the value is released.
final class LocalTSA {
    let url: String
    /// The CA certificate (PEM) its tokens chain to.
    let caFile: String
    private let server: Process

    init(in directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        server = Process()
        server.executableURL = URL(fileURLWithPath: try Python.require())
        server.arguments = [Repository.root.appendingPathComponent("Tests/Independent/tsa_server.py").path, directory.path]
        let portFile = directory.appendingPathComponent("port")
        _ = FileManager.default.createFile(atPath: portFile.path, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: portFile)
        try server.run()
        var port: String?
        for _ in 0..<200 where port == nil {
            let text = (try? String(contentsOf: portFile, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("port ") { port = String(line.dropFirst(5)) } else { usleep(50_000) }
        }
        guard let port else {
            kill(server.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown)
        }
        url = "http://127.0.0.1:\(port)/tsa"
        caFile = directory.appendingPathComponent("ca.pem").path
    }

    deinit {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }
}
