import EvidenceSupport

/// What each piece of evidence is offered to prove (证明目的). Built-in
/// defaults cover the known lifecycle stages; a purposes file (`--purposes`)
/// overrides them by id, by name pattern or by stage, in that order of
/// precedence, because the most specific statement is the one counsel meant.
public struct ProofPurposes: Sendable {
    /// A statement, in one language or in both.
    public struct Text: Equatable, Sendable {
        public var zh: String?
        public var en: String?
        public init(zh: String?, en: String?) { self.zh = zh; self.en = en }

        /// The text in `language`, or in the other one if that is all there is.
        public func text(_ language: CatalogueLanguage) -> String {
            (language == .zh ? zh ?? en : en ?? zh) ?? ""
        }
    }

    /// Ids and stages are matched as bytes: a purpose stated for an id is
    /// not given to a look-alike of it in another Unicode normalisation.
    public var byID: [ExactString: Text] = [:]
    /// Name patterns (`*` any run of characters, `?` one), tried in file order.
    public var byName: [(pattern: String, text: Text)] = []
    public var byStage: [ExactString: Text] = [:]

    public init() {}

    public static let defaults: [String: Text] = [
        "esign": Text(zh: "证明申请人与被申请人订立借款合同，合同经电子签名成立，及合同约定的借款金额、期限、利率和还款方式等内容",
                      en: "Proves that the applicant and the respondent concluded the loan contract by electronic signature, and its terms: amount, term, interest and repayment"),
        "face": Text(zh: "证明签约时经人脸识别核验，系被申请人本人签署合同",
                     en: "Proves that the respondent's identity was verified by face recognition at signing: the respondent signed in person"),
        "liveness": Text(zh: "证明签约时经活体检测，系被申请人本人在场操作，排除照片或视频冒用",
                         en: "Proves that a live person, the respondent, was present at signing, not a photo or video"),
        "performance": Text(zh: "证明合同的履行情况，以及被申请人未按约定还款、构成逾期的事实",
                            en: "Proves the performance of the contract and that the respondent failed to repay when due"),
        "execution": Text(zh: "证明合同执行过程中申请人采取的措施及其结果",
                          en: "Proves the steps the applicant took to enforce the contract and their outcome"),
        "default": Text(zh: "证明被申请人违约，以及申请人已向被申请人发出催告并主张权利",
                        en: "Proves the respondent's default and that the applicant gave notice and demanded payment"),
    ]

    /// The statement for one item (or for a stage, when `record` is nil).
    public func purpose(stage: String, record: EvidenceRecord?) -> Text? {
        if let record {
            if let t = byID[record.id.exact] { return t }
            if let name = record.name, let hit = byName.first(where: { Self.matches(name, pattern: $0.pattern) }) {
                return hit.text
            }
        }
        return byStage[stage.exact] ?? Self.defaults[stage]
    }

    public static let fields: Set<String> = ["ids", "names", "stages"]

    /// Parses a purposes file: `{"stages":{…},"ids":{…},"names":{…}}`, each
    /// value a string or `{"zh":…,"en":…}`.
    public init(json value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a purposes file (JSON object), found \(value.typeName)")
        }
        try FieldReader(object).refuseUnknown(Self.fields)
        func section(_ key: String) throws -> [(String, Text)] {
            guard let v = object[key] else { return [] }
            guard case .object(let map) = v else {
                throw EvidenceError.input("expected \"\(key)\" (object of key → purpose), found \(v.typeName)")
            }
            return try map.map { m in (m.key, try Self.text(m.value, at: "\(key).\(m.key)")) }
        }
        for (k, t) in try section("ids") { byID[k.exact] = t }
        byName = try section("names").map { (pattern: $0.0, text: $0.1) }
        for (k, t) in try section("stages") {
            guard Stage.isValidName(k) else {
                throw EvidenceError.input("\"stages\": \"\(k)\" is not a stage name (lowercase word)")
            }
            byStage[k.exact] = t
        }
    }

    private static func text(_ value: JSONValue, at path: String) throws -> Text {
        switch value {
        case .string(let s): return Text(zh: s, en: s)
        case .object(let o):
            try FieldReader(o).refuseUnknown(["zh", "en"])
            let t = Text(zh: o["zh"]?.stringValue, en: o["en"]?.stringValue)
            guard t.zh != nil || t.en != nil, o.allSatisfy({ $0.value.stringValue != nil }) else {
                throw EvidenceError.input("expected \"\(path)\" (string, or {\"zh\":…,\"en\":…} of strings)")
            }
            return t
        default:
            throw EvidenceError.input("expected \"\(path)\" (string, or {\"zh\":…,\"en\":…}), found \(value.typeName)")
        }
    }

    /// Shell-style wildcard match on whole names: `*` and `?`, nothing else.
    static func matches(_ name: String, pattern: String) -> Bool {
        let n = Array(name.unicodeScalars), p = Array(pattern.unicodeScalars)
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count && (p[j] == "?" || p[j] == n[i]) {
                i += 1; j += 1
            } else if j < p.count && p[j] == "*" {
                star = j; mark = i; j += 1
            } else if star >= 0 {
                j = star + 1; mark += 1; i = mark
            } else {
                return false
            }
        }
        while j < p.count && p[j] == "*" { j += 1 }
        return j == p.count
    }
}
