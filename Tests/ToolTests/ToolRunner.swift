import Foundation
import PythonHelpers
import Testing

/// Runs the built tools the way a user does: a real process, stdin fed from
/// a file, stdout and stderr drained to files while it runs (reading a pipe
/// only after exit deadlocks once output passes the pipe buffer).
struct ToolResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var lines: [String] { out.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    /// stdout parsed as JSON Lines (objects).
    var objects: [[String: Any]] {
        lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

enum Tools {
    /// Directory holding the built executables: beside the test bundle,
    /// or `EVIDENCE_BIN` when set.
    static let binDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["EVIDENCE_BIN"] {
            return URL(fileURLWithPath: dir)
        }
        var url = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("evhash").path) {
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { break }
            url = parent
        }
        return url
    }()

    static func url(_ tool: String) -> URL { binDirectory.appendingPathComponent(tool) }

    /// Runs `tool args…` with `stdin` as its input, in `directory` if given.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdin: Data = Data(),
                    directory: URL? = nil, environment: [String: String]? = nil) throws -> ToolResult {
        try runExecutable(url(tool).path, arguments, stdin: stdin, directory: directory, environment: environment)
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdin: String,
                    directory: URL? = nil) throws -> ToolResult {
        try run(tool, arguments, stdin: Data(stdin.utf8), directory: directory)
    }

    /// Runs the tests' Python (`Python.require`) with `packages` importable.
    @discardableResult
    static func runPython(_ arguments: [String], requires packages: [String] = [], stdin: Data = Data(),
                          directory: URL? = nil) throws -> ToolResult {
        try runExecutable(try Python.require(packages), arguments, stdin: stdin, directory: directory)
    }

    /// Runs any program (e.g. `sha256sum`, `openssl`) the same way.
    @discardableResult
    static func runExecutable(_ path: String, _ arguments: [String], stdin: Data = Data(),
                              directory: URL? = nil, environment: [String: String]? = nil) throws -> ToolResult {
        let scratch = try TemporaryDirectory()
        let inURL = scratch.url.appendingPathComponent("stdin")
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        try stdin.write(to: inURL)
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let process = Process()
        if path.contains("/") {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [path] + arguments
        }
        if let directory { process.currentDirectoryURL = directory }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let input = try FileHandle(forReadingFrom: inURL)
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        try? input.close(); try? output.close(); try? errors.close()
        return ToolResult(status: process.terminationStatus,
                          stdout: try Data(contentsOf: outURL),
                          stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// A directory removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("evidence-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> URL {
        try write(name, Data(contents.utf8))
    }
    @discardableResult
    func write(_ name: String, _ contents: Data) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: target)
        return target
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

enum Repository {
    /// The package root, found from this source file's location.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func support(_ name: String) -> String { root.appendingPathComponent("Tests/Support/\(name)").path }
}

extension ToolResult {
    /// stdout must be complete lines only: nothing half-written.
    var endsWithCompleteLine: Bool { stdout.isEmpty || stdout.last == 0x0a }
}
