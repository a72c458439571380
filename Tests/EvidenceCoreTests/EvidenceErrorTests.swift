import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore
@Test func errorExitStatus() { #expect(EvidenceError.input("x").exitStatus == 2) }
