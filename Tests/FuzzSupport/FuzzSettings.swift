import Foundation

/// How long a fuzz run is and where it starts, from the environment, so a
/// local campaign can run far longer than CI from the same code:
///
///   EVIDENCE_FUZZ_ITERATIONS  mutants per in-process parser target (CI: 1500)
///   EVIDENCE_FUZZ_PROCESSES   mutants per tool in the stdin fuzz (CI: 25)
///   EVIDENCE_FUZZ_SEED        base seed (default fixed, so every run is reproducible)
public enum FuzzSettings {
    public static var parserIterations: Int { count("EVIDENCE_FUZZ_ITERATIONS", default: 1500) }
    public static var processIterations: Int { count("EVIDENCE_FUZZ_PROCESSES", default: 25) }

    public static var baseSeed: UInt64 {
        ProcessInfo.processInfo.environment["EVIDENCE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x00E7_1DE4_CE5E_ED01
    }

    /// Each target its own stream: the base seed mixed with its name (FNV-1a).
    public static func seed(for target: String) -> UInt64 {
        target.utf8.reduce(baseSeed ^ 0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    static func count(_ variable: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) } ?? value
    }
}
