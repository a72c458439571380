import Foundation
import Testing

/// Whole-number options are parsed with their bounds (EvidenceCLI
/// IntegerOption): out of range is a usage error naming the range.
@Suite struct OptionBoundsTests {
    @Test(arguments: ["-3", "9223372036854775807", "1025", "two"])
    func evverifyQuorumOutOfRange(value: String) throws {
        let r = try Tools.run("evverify", ["check", "--chain", "x", "--log-key", "a+00000000+AQ==", "--quorum=\(value)"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--quorum") && r.stderr.contains("from 0 to 1024"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// The network budget of evverify --tiles, evchain cosign --tiles and
    /// evchain checkpoint --tsa-url: 0 would fail every request, and a huge
    /// value overflows the deadline's arithmetic.
    @Test(arguments: ["0", "-1", "86401", "9223372036854775807", "1.5"])
    func networkTimeoutOutOfRange(value: String) throws {
        for (tool, arguments) in [("evverify", ["check", "--tiles", "http://127.0.0.1:9", "--log-key", "a+00000000+AQ==", "--no-witness"]),
                                  ("evchain", ["checkpoint", "x", "--key", "k", "--tsa-url", "http://127.0.0.1:9/tsa"]),
                                  ("evchain", ["cosign", "--witness-key", "k", "--log-key", "a+00000000+AQ==", "--state", "s", "--tiles", "http://127.0.0.1:9"])] {
            let r = try Tools.run(tool, arguments + ["--timeout=\(value)"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("--timeout") && r.stderr.contains("from 1 to 86400"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}
