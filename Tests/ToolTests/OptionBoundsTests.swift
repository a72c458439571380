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
}
