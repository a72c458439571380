import EvidenceSupport

/// The lifecycle nodes of an e-contract, in the order the catalogue lists
/// them, with the labels an arbitration commission expects.
public struct Stage: Sendable, Hashable {
    public let name: String
    public let chinese: String
    public let english: String

    public static let known: [Stage] = [
        Stage(name: "esign", chinese: "电子签章", english: "E-signature"),
        Stage(name: "face", chinese: "人脸识别", english: "Face recognition"),
        Stage(name: "liveness", chinese: "活体检测", english: "Liveness check"),
        Stage(name: "performance", chinese: "合同履约", english: "Performance"),
        Stage(name: "execution", chinese: "执行", english: "Enforcement"),
        Stage(name: "default", chinese: "违约", english: "Default"),
    ]

    /// Where evidence whose record names no stage is listed, after all others.
    public static let unnamed = Stage(name: "", chinese: "其他", english: "Other")

    /// The known stage of that name, or one labelled with its own name.
    public static func named(_ name: String) -> Stage {
        known.first { $0.name == name } ?? Stage(name: name, chinese: name, english: name)
    }

    /// Sort position: known stages in lifecycle order, others after them,
    /// evidence of no stage last.
    public var order: Int {
        if name.isEmpty { return Stage.known.count + 1 }
        return Stage.known.firstIndex { $0.name == name } ?? Stage.known.count
    }

    /// A stage name is one lowercase word: `[a-z][a-z0-9_-]*`, at most 32 bytes.
    public static func isValidName(_ s: String) -> Bool {
        let b = s.utf8
        guard let first = b.first, first >= 0x61 && first <= 0x7a, b.count <= 32 else { return false }
        return b.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f }
    }
}
