import Glibc

/// RFC 3339 timestamps. Records carry UTC (`2026-11-25T10:00:00Z`); input
/// from bank systems often carries an offset (`+08:00`), which is
/// normalised to UTC rather than refused.
///
/// Two kinds of time are refused rather than changed: one whose UTC form
/// falls outside the four-digit years RFC 3339 can write (0000–9999), and a
/// leap second (`:60`). Times here are POSIX seconds, which have no leap
/// second, so `23:59:60` could only be kept by moving it to another second,
/// and evidence times are never silently moved.
public enum RFC3339 {
    public struct Timestamp: Comparable, Sendable {
        public var seconds: Int64        // since 1970-01-01T00:00:00Z
        public var fraction: String      // digits after the point, "" if none
        public static func < (a: Timestamp, b: Timestamp) -> Bool {
            a.seconds != b.seconds ? a.seconds < b.seconds : a.fraction < b.fraction
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; nil if malformed or
    /// refused (see `refusal(_:)` for why).
    public static func parse(_ text: String) -> Timestamp? {
        var copy = text
        return copy.withUTF8 { parse(utf8: $0) }
    }

    /// The first UTC second RFC 3339 can write, 0000-01-01T00:00:00Z, and the last, 9999-12-31T23:59:59Z.
    static let earliestSeconds = Int64(daysFromCivil(year: 0, month: 1, day: 1)) * 86_400
    static let latestSeconds = Int64(daysFromCivil(year: 9999, month: 12, day: 31)) * 86_400 + 86_399

    /// Why `text` is not accepted as a time, for an error message; nil when
    /// it is accepted.
    public static func refusal(_ text: String) -> String? {
        if parse(text) != nil { return nil }
        var copy = text
        return copy.withUTF8 { b -> String in
            guard let fields = parseFields(utf8: b) else {
                return "not an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM)"
            }
            if fields.second == 60 {
                return "a leap second (:60) is not accepted: times are counted in POSIX seconds, which have none"
            }
            return "in UTC it falls outside the years 0000 to 9999 that RFC 3339 can write"
        }
    }

    static func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard let f = parseFields(utf8: b), f.second < 60 else { return nil }
        let days = daysFromCivil(year: f.year, month: f.month, day: f.day)
        let seconds = Int64(days) * 86_400 + Int64(f.hour * 3600 + f.minute * 60 + f.second) - Int64(f.offset)
        guard seconds >= earliestSeconds, seconds <= latestSeconds else { return nil }
        return Timestamp(seconds: seconds, fraction: f.fraction)
    }

    /// The fields as written, checked for form only (a leap second and the
    /// UTC year range are the caller's to judge).
    private static func parseFields(utf8 b: UnsafeBufferPointer<UInt8>)
        -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, fraction: String, offset: Int)? {
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var v = 0
            for i in at..<(at + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 20,
              let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second <= 60 else { return nil }
        var i = 19
        var fraction = ""
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let from = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > from else { return nil }
            fraction = String(decoding: b[from..<i], as: UTF8.self)
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i + 1, 2), b.count > i + 3, b[i + 3] == UInt8(ascii: ":"),
                  let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        return (year, month, day, hour, minute, second, fraction, offset)
    }

    /// The canonical UTC text: `YYYY-MM-DDTHH:MM:SS[.frac]Z`.
    public static func format(_ t: Timestamp) -> String {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let rest = Int(t.seconds - days * 86_400)
        let (y, m, d) = civilFromDays(Int(days))
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var s = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))"
        if !t.fraction.isEmpty { s += "." + t.fraction }
        return s + "Z"
    }

    /// Normalises any RFC 3339 time to its UTC form; nil if malformed.
    public static func normalize(_ text: String) -> String? {
        guard let t = parse(text) else { return nil }
        // Already canonical (the common case): keep the caller's string.
        if text.utf8.count == 20 + (t.fraction.isEmpty ? 0 : t.fraction.utf8.count + 1),
           text.utf8.last == UInt8(ascii: "Z"), text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: 10)] == UInt8(ascii: "T") {
            return text
        }
        return format(t)
    }

    /// True when `text` is already in canonical UTC form.
    public static func isCanonicalUTC(_ text: String) -> Bool {
        normalize(text) == text
    }

    /// The current time, to the second, in UTC.
    public static func now() -> String {
        format(Timestamp(seconds: Int64(time(nil)), fraction: ""))
    }

    public static func format(epochSeconds: Int64) -> String {
        format(Timestamp(seconds: epochSeconds, fraction: ""))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
