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

    /// `2026-11-25T10:00:00Z` → `2026-11-25 10:00:00 UTC`, for reading; with
    /// an offset of +480 minutes, `2026-11-25 18:00:00 UTC+08:00` — the
    /// offset always shown, so a reader never has to guess the zone.
    public static func time(_ rfc3339: String, offsetMinutes: Int = 0) -> String {
        guard var t = RFC3339.parse(rfc3339) else { return rfc3339 }
        t.seconds += Int64(offsetMinutes * 60)
        var s = String(RFC3339.format(t).dropLast())
        if let i = s.firstIndex(of: "T") { s.replaceSubrange(i...i, with: " ") }
        return s + " " + offsetName(offsetMinutes)
    }

    /// `UTC` or `UTC+08:00`.
    public static func offsetName(_ minutes: Int) -> String {
        guard minutes != 0 else { return "UTC" }
        let m = abs(minutes)
        return "UTC" + (minutes < 0 ? "-" : "+") + (m / 60 < 10 ? "0" : "") + "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)"
    }

    /// Parses `+08:00`, `-05:30`, `Z` or `UTC` into minutes east of UTC.
    public static func parseOffset(_ text: String) -> Int? {
        if text == "Z" || text == "UTC" { return 0 }
        let b = Array(text.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
              let h = Int(String(decoding: b[1...2], as: UTF8.self)), let m = Int(String(decoding: b[4...5], as: UTF8.self)),
              b[1...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), b[4...5].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              h <= 14, m < 60 else { return nil }
        return (h * 60 + m) * (b[0] == UInt8(ascii: "-") ? -1 : 1)
    }
}

extension StringProtocol {
    /// Without the line breaks at either end (Character.isNewline: LF, CR,
    /// CRLF, NEL, LS, PS), as Foundation's trimming of `.newlines` does.
    public var trimmingLineBreaks: SubSequence {
        guard let first = firstIndex(where: { !$0.isNewline }), let last = lastIndex(where: { !$0.isNewline }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
