import Testing
@testable import EvidenceSupport
@testable import EvidenceCore

/// The QR code libqrencode makes for the printed certificate: read back as
/// the symbol it is (no decoder is installed, so its size, version and
/// finder patterns are checked instead).
@Suite struct QRCodeTests {
    @Test func theMatrixHasTheSizeOfItsVersion() throws {
        // 5 bytes fit version 1 (21 × 21) at level M.
        let small = try QRCode("hello")
        #expect(small.version == 1 && small.size == 21 && small.modules.count == 441)
        // The certificate's text: serial (28) + "\nsha256:" (8) + 64 hex = 100 bytes,
        // above version 5-M's 84 bytes and within version 6-M's 106.
        let text = CertificateHTML.qrText(serial: "EVC-" + String(repeating: "ab", count: 12),
                                          fileSHA256: String(repeating: "0f", count: 32))
        #expect(text.utf8.count == 100)
        let code = try QRCode(text)
        #expect(code.version == 6 && code.size == 41, "version \(code.version), size \(code.size)")
    }

    @Test func theThreeFinderPatternsAreWhereAScannerLooks() throws {
        let code = try QRCode("EVC-0123456789abcdef01234567")
        let n = code.size
        for (ox, oy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            for y in 0..<7 {
                for x in 0..<7 {
                    // Dark ring, light ring, dark 3 × 3 centre.
                    let ring = min(x, y, 6 - x, 6 - y)
                    #expect(code.isDark(x: ox + x, y: oy + y) == (ring != 1), "finder at (\(ox), \(oy)): module (\(x), \(y))")
                }
            }
            // The separator around it is light.
            let sx = ox == 0 ? 7 : ox - 1, sy = oy == 0 ? 7 : oy - 1
            #expect(!code.isDark(x: sx, y: oy + 3) && !code.isDark(x: ox + 3, y: sy))
        }
        // Two codes of two texts differ; one text gives one code.
        #expect(try QRCode("EVC-0123456789abcdef01234567") == code)
        #expect(try QRCode("EVC-0123456789abcdef01234568") != code)
    }

    @Test func theSVGDrawsEveryDarkModuleOnce() throws {
        let code = try QRCode("hello")
        let svg = code.svg(side: "30mm", label: "qr")
        var drawn = 0
        for part in svg.components(separatedBy: "<rect x=").dropFirst() {
            let width = part.components(separatedBy: "width=\"")[1].prefix { $0 != "\"" }
            drawn += Int(width) ?? 0
        }
        #expect(drawn == code.modules.filter { $0 }.count)
        #expect(svg.contains("viewBox=\"0 0 29 29\""), "4 modules of quiet zone on each side")
    }
}
