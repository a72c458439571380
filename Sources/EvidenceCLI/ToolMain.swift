import Glibc
import ArgumentParser
import EvidenceCore
import EvidenceSupport

/// The one place where a tool's outcome becomes an exit status.
///
/// swift-argument-parser exits 64 (EX_USAGE) on a usage error; DESIGN.md
/// says 2. Every tool's `@main` calls `ToolMain.run(Command.self)` so that
/// usage errors, `EvidenceError`s and anything unexpected map to 2/1/3 in
/// one way, with diagnostics as `program: message` on stderr.
public enum ToolMain {
    public static func run<C: ParsableCommand>(_ command: C.Type, name: String) -> Never {
        Diagnostics.program = name
        // The library names settings; here they are the command line's flags.
        Setting.spelling = { $0.count == 1 ? "-" + $0 : "--" + $0 }
        BrokenPipe.ignoreSignal()
        // Tests kill a tool at a named step of a commit (CrashPoint).
        if let crashAt = getenv("EVIDENCE_CRASH_AT") { CrashPoint.arm(String(cString: crashAt)) }
        // bench/append-index.sh's baseline: append without the contract index.
        if let off = getenv("EVIDENCE_BENCH_NO_CONTRACT_INDEX"), String(cString: off) == "1" {
            ChainStore.benchmarkWithoutContractIndex = true
        }
        let status: Int32
        do {
            var parsed = try C.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            try parsed.run()
            status = ExitStatus.success
        } catch let error as EvidenceError {
            Diagnostics.report(error)
            status = error.exitStatus
        } catch is StdoutClosed {
            BrokenPipe.stop()
        } catch let error as ToolExit {
            status = error.status
        } catch {
            let code = C.exitCode(for: error)
            if code == .success {
                let message = C.fullMessage(for: error)
                // --help, --version, --generate-manual: the parser's text is the output.
                StandardOutput.shared.write(message + "\n")
                status = ExitStatus.success
            } else if code.rawValue == 64 || error is ValidationError {
                Diagnostics.warn(ChoiceError.usageMessage(C.message(for: error)))
                Diagnostics.warn("try '\(name) --help' for more information")
                status = ExitStatus.usage
            } else {
                Diagnostics.warn(C.message(for: error))
                status = ExitStatus.io
            }
        }
        StandardOutput.shared.flush()
        exit(status)
    }
}

/// Thrown by a command that has already reported its outcome and only needs
/// to set the exit status (e.g. `evverify` exits 1 after printing verdicts).
public struct ToolExit: Error {
    public var status: Int32
    public init(_ status: Int32) { self.status = status }
}
