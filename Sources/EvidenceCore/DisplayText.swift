/// Text from bank systems shown to people (CSV, Markdown, HTML). A name can
/// carry invisible characters that make it read as something else: bidi
/// overrides turn `exe.pdf` into `fdp.exe` (the "Trojan Source" trick),
/// zero-width characters make two different names look the same. Shown to
/// a clerk, they become visible markers such as `[U+202E]` instead.
public enum DisplayText {
    /// Characters that change how text around them is displayed without
    /// showing themselves.
    static func isInvisibleFormatting(_ v: UInt32) -> Bool {
        switch v {
        case 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default:
            return false
        }
    }

    /// The text with invisible formatting and control characters made
    /// visible; line breaks are kept (as `\n`) only when `keepingLines`.
    public static func visible(_ text: String, keepingLines: Bool = true) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            defer { previousCR = v == 0x0D }
            if v == 0x0A || v == 0x0D || v == 0x2028 || v == 0x2029 {
                if v == 0x0A && previousCR { continue }
                out.append(keepingLines ? "\n" : " ")
            } else if v == 0x09 {
                out.append(" ")
            } else if v < 0x20 || (v >= 0x7F && v < 0xA0) || isInvisibleFormatting(v) {
                out.append(contentsOf: marker(v).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `[U+202E]`: how a hidden character is shown.
    static func marker(_ v: UInt32) -> String {
        let hex = String(v, radix: 16, uppercase: true)
        return "[U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
    }

    /// `2026-11-25T10:00:00Z` → `2026-11-25 10:00:00 UTC`, for reading.
    public static func time(_ rfc3339: String) -> String {
        guard rfc3339.hasSuffix("Z"), rfc3339.count >= 20 else { return rfc3339 }
        var s = String(rfc3339.dropLast())
        if let t = s.firstIndex(of: "T") { s.replaceSubrange(t...t, with: " ") }
        return s + " UTC"
    }

    /// The name people know an algorithm by: SHA-256, SM3, HMAC-SHA-256.
    public static func algorithm(_ a: RecordAlgorithm) -> String {
        let base: String
        switch a.digest {
        case .sha256: base = "SHA-256"
        case .sha512: base = "SHA-512"
        case .sha3_256: base = "SHA3-256"
        case .sm3: base = "SM3"
        case .blake2b512: base = "BLAKE2b-512"
        }
        return a.isKeyed ? "HMAC-" + base : base
    }
}
