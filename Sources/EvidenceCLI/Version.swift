import EvidenceSupport

/// The package's version, written only here: every tool's `--version`, and
/// the Makefile's `install`/`dist` (which read this line), take it from here.
public enum PackageVersion {
    public static let number = "0.2.0"

    /// What `TOOL --version` prints, e.g. `evhash 0.2.0`.
    public static func line(_ tool: String) -> String { "\(tool) \(number)" }
}
