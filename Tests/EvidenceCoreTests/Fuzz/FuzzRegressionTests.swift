import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// Inputs the fuzz targets found that trapped, each kept as a plain test.
@Suite struct FuzzRegressionTests {
    /// A certificate whose checkpoint note claims a tree size above Int.max
    /// (a valid UInt64) made `check` trap converting it to Int. The
    /// certificate target's local campaign (EVIDENCE_FUZZ_SEED=1) trapped on
    /// a mutant whose note size had become 18446744073709551615.
    @Test(arguments: ["9223372036854775808", "18446744073709551615"])
    func certificateWithAHugeTreeSizeIsAFinding(size: String) throws {
        let original = String(decoding: FuzzSeeds.certificate, as: UTF8.self)
        let sizeLine = "\\n\(FuzzSeeds.checkpoint.size)\\n"
        #expect(original.contains(sizeLine))
        let edited = original.replacingOccurrences(of: sizeLine, with: "\\n\(size)\\n")
        let result = try CustodyCertificate.check(Array(edited.utf8), issuerKey: FuzzSeeds.issuerKey.verifierKey,
                                                  requirements: FuzzSeeds.requirements)
        #expect(!result.isValid)
        #expect(result.findings.contains("checkpoint: tree_size or root differs from the signed note"), "\(result.findings)")
    }
}
