import Foundation

/// The Python interpreter the tests compare our output with, and the one
/// place that decides which one it is and what to say when a helper is
/// missing.
///
/// Order: the repository's `.venv` (what `scripts/check` makes), then
/// `$EVIDENCE_PYTHON`, then `python3` on `PATH`. A test calls
/// `try Python.require("rfc8785")` first: with the package missing it fails
/// with one line naming the package and the set-up command, not a traceback.
public enum Python {
    /// The command that installs every helper (README's test command).
    public static let setupCommand = "scripts/check"

    /// PyPI name → module name, for the helpers listed in Tests/requirements.txt.
    static let moduleNames = ["rfc8785": "rfc8785", "cryptography": "cryptography", "phe": "phe",
                              "gmpy2": "gmpy2", "openmined-psi": "private_set_intersection.python"]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Absolute path of the interpreter, or nil when there is none.
    public static let executable: String? = {
        let venv = root.appendingPathComponent(".venv/bin/python3").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        let environment = ProcessInfo.processInfo.environment
        if let chosen = environment["EVIDENCE_PYTHON"], FileManager.default.isExecutableFile(atPath: chosen) {
            return chosen
        }
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The interpreter, provided every package in `packages` imports in it.
    @discardableResult
    public static func require(_ packages: String...) throws -> String { try require(packages) }

    @discardableResult
    public static func require(_ packages: [String]) throws -> String {
        guard let python = executable else { throw MissingPythonHelper(package: "python3") }
        for package in packages where !imports(package, in: python) {
            throw MissingPythonHelper(package: package)
        }
        return python
    }

    private static let cache = Cache()

    static func imports(_ package: String, in python: String) -> Bool {
        if let known = cache.get(package) { return known }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(moduleNames[package] ?? package)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let ok = (try? process.run()) != nil && { process.waitUntilExit(); return process.terminationStatus == 0 }()
        cache.set(package, ok)
        return ok
    }

    final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var known: [String: Bool] = [:]
        func get(_ key: String) -> Bool? { lock.withLock { known[key] } }
        func set(_ key: String, _ value: Bool) { lock.withLock { known[key] = value } }
    }
}

/// One line: what is missing and how to get it.
public struct MissingPythonHelper: Error, CustomStringConvertible {
    public var package: String
    public var description: String {
        package == "python3"
            ? "python3 not found: run \(Python.setupCommand) to set up the test helpers"
            : "python package \(package) is missing: run \(Python.setupCommand) to set up the test helpers (a venv in .venv)"
    }
}
