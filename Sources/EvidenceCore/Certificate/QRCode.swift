internal import CQREncode
import EvidenceSupport

/// A QR code's module matrix, made by libqrencode (the only file that calls
/// it). The printed custody certificate carries one, so that a reader can
/// check the paper against the certificate file with a phone.
public struct QRCode: Sendable, Equatable {
    /// The symbol version (1–40), which fixes the size: 17 + 4 × version.
    public let version: Int
    /// Modules per side, quiet zone not included.
    public let size: Int
    /// Row-major, `size × size`; true for a dark module.
    public let modules: [Bool]

    /// Encodes `text` as 8-bit bytes at error-correction level M (15% of
    /// the symbol may be smudged), in the smallest version that holds it.
    public init(_ text: String) throws {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            throw EvidenceError.input("cannot encode \(text.utf8.count) bytes as a QR code")
        }
        defer { QRcode_free(code) }
        version = Int(code.pointee.version)
        size = Int(code.pointee.width)
        let data = code.pointee.data!
        // libqrencode sets bit 0 of each byte for a dark module; the other
        // bits say what the module is for.
        modules = (0..<size * size).map { data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// Inline SVG, one `<rect>` per horizontal run of dark modules, on a
    /// white square with the 4-module quiet zone scanners need; `side` is a
    /// CSS length. `label` becomes the accessible name (escaped by the caller).
    public func svg(side: String, label: String) -> String {
        let total = size + 8
        var h = "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(total)\" width=\"\(side)\" height=\"\(side)\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"\(label)\">"
        h += "<rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/>"
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                let start = x
                while x < size && isDark(x: x, y: y) { x += 1 }
                h += "<rect x=\"\(start + 4)\" y=\"\(y + 4)\" width=\"\(x - start)\" height=\"1\"/>"
            }
        }
        return h + "</svg>"
    }
}
