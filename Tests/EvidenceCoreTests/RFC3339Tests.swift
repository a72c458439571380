import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

@Test(arguments: [
    ("2025-04-16T14:02:33Z", "2025-04-16T14:02:33Z"),
    ("2025-04-16T22:02:33+08:00", "2025-04-16T14:02:33Z"),
    ("2025-01-01T03:00:00+08:00", "2024-12-31T19:00:00Z"),
    ("2024-02-29T23:30:00-01:00", "2024-03-01T00:30:00Z"),
    ("2025-04-16t14:02:33.120z", "2025-04-16T14:02:33.12Z"),
    ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
    ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
])
func normalisesToUTC(input: String, expected: String) {
    #expect(RFC3339.normalize(input) == expected)
    #expect(RFC3339.isCanonicalUTC(expected))
}

@Test(arguments: ["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-04-16 14:02:33Z", "2025-04-16T24:00:00Z",
                  "2025-04-16T14:02:33", "2025-04-16T14:02:33+0800", "2025-04-16T14:02:33.Z", "yesterday", "",
                  "9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+00:01", "2016-12-31T23:59:60Z",
                  "2017-01-01T07:59:60+08:00"])
func refusesMalformedTimes(input: String) {
    #expect(RFC3339.normalize(input) == nil)
}

@Test func formatsEpochSeconds() {
    #expect(RFC3339.format(epochSeconds: 1_764_064_800) == "2025-11-25T10:00:00Z")
    #expect(RFC3339.parse("2025-11-25T10:00:00Z")?.seconds == 1_764_064_800)
}
