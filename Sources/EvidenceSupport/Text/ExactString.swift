import Glibc
/// A string that is an identity (a record id, contract, stage or name, a
/// JSON object key, a PSI key or purpose), equal, hashed and ordered by its
/// UTF-8 bytes.
///
/// Swift's `String ==` and `Hashable` treat canonically equivalent strings
/// as one ("é" as U+00E9 and as "e" U+0301; "K" and the Kelvin sign
/// U+212A), while digests, the chain's lookup, RFC 8259 member names and
/// RFC 8785 compare code units. Two ids that differ only in normalisation
/// are two ids: keyed by `String` they would be merged, and a twin logged
/// with another digest would hide behind the id it imitates.
public struct ExactString: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { string = value }

    public var description: String { string }

    public static func == (a: ExactString, b: ExactString) -> Bool { a.string.sameBytes(as: b.string) }

    public func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        // Ends the bytes, so that neighbouring fields cannot run together.
        hasher.combine(UInt8(0xFF))
    }

    /// Byte order, which is code point order.
    public static func < (a: ExactString, b: ExactString) -> Bool {
        a.string.utf8.lexicographicallyPrecedes(b.string.utf8)
    }
}

extension String {
    /// Whether the two strings are the same UTF-8 bytes (see `ExactString`).
    public func sameBytes(as other: String) -> Bool {
        // Native strings compare with memcmp; the generic elementsEqual was a
        // byte loop, and JSON member lookup calls this for every key tried.
        if let same = utf8.withContiguousStorageIfAvailable({ a in
            other.utf8.withContiguousStorageIfAvailable { b in
                a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
            }
        }), let same { return same }
        return utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// Whether the two strings differ in their bytes but are canonically
    /// equivalent: look-alikes that must be reported, never merged.
    public func differsOnlyInNormalisation(from other: String) -> Bool {
        !sameBytes(as: other) && self == other
    }

    /// The string as an identity key.
    public var exact: ExactString { ExactString(self) }
}
