extension ManifestHasher {
    /// A manifest line read from its bytes in one pass: the item, and for an
    /// inline record the RFC 8785 form of its `data`, canonicalized straight
    /// from the text (`JCSBytes`) rather than parsed into a `JSONValue` and
    /// serialized again. Nil wherever the general path must decide (any
    /// refusal, an escaped key, an invalid item): it then produces the
    /// result or the error, so what a user sees is the general path's.
    static func fastItem(_ line: UnsafeRawBufferPointer) -> (item: ManifestItem, canonicalData: [UInt8]?)? {
        guard UTF8Validation.firstInvalidOffset(line) == nil else { return nil }
        var scanner = JCSScanner(line, exactIntegers: true)
        scanner.skipWhitespace()
        guard scanner.index < scanner.end, scanner.base[scanner.index] == UInt8(ascii: "{") else { return nil }
        scanner.index += 1
        var object = JSONObject()
        var data: [UInt8]? = nil
        var scratch: [UInt8] = []
        scratch.reserveCapacity(128)
        scanner.skipWhitespace()
        if scanner.index < scanner.end && scanner.base[scanner.index] == UInt8(ascii: "}") {
            scanner.index += 1
        } else {
            while true {
                scanner.skipWhitespace()
                guard scanner.index < scanner.end, scanner.base[scanner.index] == UInt8(ascii: "\"") else { return nil }
                scratch.removeAll(keepingCapacity: true)
                guard let escaped = scanner.string(into: &scratch), !escaped else { return nil }
                let key = String(decoding: scratch[1 ..< scratch.count - 1], as: UTF8.self)
                guard object[key] == nil else { return nil }
                scanner.skipWhitespace()
                guard scanner.index < scanner.end, scanner.base[scanner.index] == UInt8(ascii: ":") else { return nil }
                scanner.index += 1
                scanner.skipWhitespace()
                let valueStart = scanner.index
                guard valueStart < scanner.end else { return nil }
                if key == "data" {
                    var canonical: [UInt8] = []
                    canonical.reserveCapacity(256)
                    guard scanner.value(depth: 1, into: &canonical) else { return nil }
                    data = canonical
                    // ManifestItem only needs to know there is a `data`.
                    object.appendNew(key, .null)
                } else {
                    scratch.removeAll(keepingCapacity: true)
                    let isString = scanner.base[valueStart] == UInt8(ascii: "\"")
                    if isString {
                        guard let escaped = scanner.string(into: &scratch) else { return nil }
                        if !escaped {
                            object.appendNew(key, .string(String(decoding: scratch[1 ..< scratch.count - 1], as: UTF8.self)))
                        } else {
                            guard let value = Self.parsed(line, valueStart ..< scanner.index) else { return nil }
                            object.appendNew(key, value)
                        }
                    } else {
                        guard scanner.value(depth: 1, into: &scratch),
                              let value = Self.parsed(line, valueStart ..< scanner.index) else { return nil }
                        object.appendNew(key, value)
                    }
                }
                scanner.skipWhitespace()
                guard scanner.index < scanner.end else { return nil }
                if scanner.base[scanner.index] == UInt8(ascii: ",") { scanner.index += 1; continue }
                if scanner.base[scanner.index] == UInt8(ascii: "}") { scanner.index += 1; break }
                return nil
            }
        }
        scanner.skipWhitespace()
        guard scanner.index == scanner.end, let item = try? ManifestItem(json: object) else { return nil }
        return (item, data)
    }

    /// A member's value (already known valid) as the general parser reads it.
    private static func parsed(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> JSONValue? {
        try? JSON.parse(UnsafeRawBufferPointer(rebasing: line[range]), exactIntegers: true)
    }
}
