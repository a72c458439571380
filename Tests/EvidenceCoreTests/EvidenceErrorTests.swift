import Testing
@testable import EvidenceCore
@Test func errorExitStatus() { #expect(EvidenceError.input("x").exitStatus == 2) }
