import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// The print view states what a check established: the library refuses to
/// render a certificate whose check did not hold, whatever its caller does.
@Suite struct CertificateHTMLTests {
    @Test func aCheckWithFindingsOrWithoutAVerifiedIssuerRendersNothing() throws {
        let bytes = Array(#"{"serial":"EVC-000000000000000000000000","items":[],"signature":{}}"#.utf8)
        var failed = CustodyCertificate.CheckResult()
        failed.serial = "EVC-000000000000000000000000"
        failed.issuer = ("notary.example/custody", "01020304")
        failed.findings = ["signature: does not verify — the certificate was altered after it was issued"]
        #expect(throws: EvidenceError.self) { try CertificateHTML.render(bytes, check: failed, language: .zh) }
        var unsigned = failed
        unsigned.findings = []
        unsigned.issuer = nil
        #expect(throws: EvidenceError.self) { try CertificateHTML.render(bytes, check: unsigned, language: .en) }
    }
}
