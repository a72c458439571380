import EvidenceSupport

/// Reads typed fields out of a JSON object with messages that name the field.
struct FieldReader {
    let object: JSONObject
    /// Put before each field name in messages (`computation.`).
    let prefix: String

    init(_ object: JSONObject, prefix: String = "") { self.object = object; self.prefix = prefix }

    /// `known`: ASCII names, as every field name is.
    func refuseUnknown(_ known: Set<String>) throws {
        for (key, _) in object {
            // By bytes: a look-alike of a field name is no field name. An
            // ASCII key equal to an ASCII name is its bytes (only non-ASCII
            // text has other spellings), so only other keys need the scan.
            let isKnown = key.utf8.allSatisfy { $0 < 0x80 }
                ? known.contains(key) : known.contains { $0.sameBytes(as: key) }
            guard isKnown else { throw EvidenceError.input("unknown field \"\(prefix)\(key)\"") }
        }
    }

    private func expected(_ field: String, _ what: String, found value: JSONValue?) -> EvidenceError {
        if let value {
            return EvidenceError.input("expected \"\(prefix)\(field)\" (\(what)), found \(value.typeName)")
        }
        return EvidenceError.input("missing \"\(prefix)\(field)\" (\(what))")
    }

    func optionalString(_ field: String, _ what: String = "string") throws -> String? {
        guard let value = object[field] else { return nil }
        guard case .string(let s) = value else { throw expected(field, what, found: value) }
        return s
    }

    func requiredString(_ field: String, _ what: String = "string") throws -> String {
        guard let s = try optionalString(field, what) else { throw expected(field, what, found: nil) }
        return s
    }

    /// Identifiers end up in file paths, catalogues and terminals: refuse
    /// empties and control characters.
    func optionalIdentifier(_ field: String) throws -> String? {
        guard let s = try optionalString(field, "non-empty string") else { return nil }
        guard !s.isEmpty, !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
            throw EvidenceError.input("expected \"\(prefix)\(field)\" (non-empty string without control characters)")
        }
        return s
    }

    func requiredIdentifier(_ field: String) throws -> String {
        try required(optionalIdentifier(field), else: expected(field, "non-empty string", found: nil))
    }

    func optionalStage(_ field: String) throws -> String? {
        guard let s = try optionalString(field, "lowercase word") else { return nil }
        guard Stage.isValidName(s) else {
            throw EvidenceError.input("expected \"\(prefix)\(field)\" (lowercase word such as esign, face, liveness), found \"\(s)\"")
        }
        return s
    }

    /// A stage that must be there; `missing` says what to write when it is not.
    func requiredStage(_ field: String, missing: String) throws -> String {
        try required(optionalStage(field), else: EvidenceError.input("missing \"\(prefix)\(field)\" (\(missing))"))
    }

    private func required<T>(_ value: T?, else error: @autoclosure () -> EvidenceError) throws -> T {
        guard let value else { throw error() }
        return value
    }

    func optionalUTCTime(_ field: String) throws -> String? {
        guard let s = try optionalString(field, "RFC 3339 UTC time") else { return nil }
        guard RFC3339.isCanonicalUTC(s) else {
            throw EvidenceError.input("expected \"\(prefix)\(field)\" (RFC 3339 UTC time such as 2026-11-25T10:00:00Z), found \"\(s)\"")
        }
        return s
    }

    func optionalCount(_ field: String) throws -> Int? {
        guard let value = object[field] else { return nil }
        guard let n = value.integerValue, n >= 0 else {
            throw expected(field, "non-negative integer", found: value)
        }
        return n
    }

    func optionalHex(_ field: String, bytes: Int) throws -> String? {
        // The description only when refusing: building it costs more than the check.
        guard let value = object[field] else { return nil }
        guard case .string(let s) = value, Hex.isLowercase(s, byteCount: bytes) else {
            throw expected(field, "string of \(bytes * 2) lowercase hex digits", found: value)
        }
        return s
    }

    func requiredHex(_ field: String, bytes: Int) throws -> String {
        guard let s = try optionalHex(field, bytes: bytes) else {
            throw expected(field, "string of \(bytes * 2) lowercase hex digits", found: nil)
        }
        return s
    }

    /// A lowercase word (`[a-z][a-z0-9_-]*`, as a stage name).
    func requiredWord(_ field: String) throws -> String {
        let s = try requiredString(field, "lowercase word")
        guard Stage.isValidName(s) else {
            throw EvidenceError.input("expected \"\(prefix)\(field)\" (lowercase word), found \"\(DisplayText.visible(s, keepingLines: false))\"")
        }
        return s
    }

    /// A protocol party: `a` or `b`.
    func requiredParty(_ field: String) throws -> String {
        let s = try requiredString(field, "\"a\" or \"b\"")
        guard s == "a" || s == "b" else { throw EvidenceError.input("expected \"\(prefix)\(field)\" (\"a\" or \"b\"), found \"\(DisplayText.visible(s, keepingLines: false))\"") }
        return s
    }
}
