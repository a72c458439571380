import FoundationEssentials

/// Strict standard base64 (RFC 4648 §4, padded): decodes only what it would
/// itself encode, so one value has one spelling.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    public static func decode(_ string: Substring) -> [UInt8]? { decode(String(string)) }
    public static func decode(_ string: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: string), data.base64EncodedString() == string else { return nil }
        return [UInt8](data)
    }
}
