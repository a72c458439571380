import EvidenceSupport

/// The arbitration case a catalogue is filed in (`--case FILE`): what the
/// commission needs on the first page to put the list in the right file.
public struct CaseFile: Equatable, Sendable {
    /// 案号, e.g. "（2026）沪仲案字第0123号".
    public var caseNumber: String?
    /// The arbitration commission the catalogue is addressed to.
    public var commission: String?
    /// 申请人: the bank.
    public var applicant: String?
    /// 被申请人: the borrower.
    public var respondent: String?
    /// Contract numbers of the case; the catalogue lists their evidence only.
    public var contracts: [String] = []
    /// 仲裁请求, in brief.
    public var claim: String?

    public init() {}

    public static let fields: Set<String> = ["case", "commission", "applicant", "respondent", "contract", "contracts", "claim"]

    /// Parses the case file's JSON; errors name the field.
    public init(json value: JSONValue) throws {
        guard case .object(let object) = value else {
            throw EvidenceError.input("expected a case file (JSON object), found \(value.typeName)")
        }
        let fields = FieldReader(object)
        try fields.refuseUnknown(Self.fields)
        let identifiers: [(String, WritableKeyPath<CaseFile, String?>)] = [
            ("case", \.caseNumber), ("commission", \.commission), ("applicant", \.applicant), ("respondent", \.respondent)]
        for (field, property) in identifiers { self[keyPath: property] = try fields.optionalIdentifier(field) }
        claim = try fields.optionalString("claim")
        if let one = try fields.optionalIdentifier("contract") { contracts.append(one) }
        if let list = object["contracts"] {
            guard case .array(let items) = list else {
                throw EvidenceError.input("expected \"contracts\" (array of contract numbers), found \(list.typeName)")
            }
            for item in items {
                guard case .string(let s) = item, !s.isEmpty else {
                    throw EvidenceError.input("expected \"contracts\" (array of non-empty strings)")
                }
                if !contracts.contains(s) { contracts.append(s) }
            }
        }
    }
}
