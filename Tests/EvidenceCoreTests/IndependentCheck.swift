import Foundation
import PythonHelpers

/// Runs one of the independent Python implementations in Tests/Independent/ (written
/// from the specs, not from our code) with `input` on stdin; returns stdout.
enum IndependentCheck {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Independent")

    static func run(_ script: String, input: Data, arguments: [String] = [], requires packages: [String] = []) throws -> String {
        let python = try Python.require(packages)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("in"), outURL = scratch.appendingPathComponent("out")
        try input.write(to: inURL)
        try Data().write(to: outURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [directory.appendingPathComponent(script).path] + arguments
        let input = try FileHandle(forReadingFrom: inURL), output = try FileHandle(forWritingTo: outURL)
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        try? input.close(); try? output.close()
        let text = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(script) exited \(process.terminationStatus)"])
        }
        return text
    }
}
