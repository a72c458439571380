import EvidenceSupport

/// evverify's finding that a contract has no evidence of a required stage:
/// `{"id":"C2025-0002/default","contract":"C2025-0002","stage":"default",
/// "status":"missing","reason":…}` — a verdict without a record, because a
/// gap in the full-process evidence is itself a finding. The catalogue lists
/// it as a missing-stage row.
public struct StageGap: Equatable, Sendable {
    public var contract: String
    public var stage: String
    public var reason: String?

    public init(contract: String, stage: String, reason: String? = nil) {
        self.contract = contract
        self.stage = stage
        self.reason = reason
    }

    static let fields: Set<String> = ["id", "contract", "stage", "status", "reason", "index_vouched_by"]

    /// A verdict line that names no digest is a gap, if anything.
    static func isGap(_ object: JSONObject) -> Bool {
        object["status"] != nil && object["digest"] == nil && object["alg"] == nil
    }

    public init(json object: JSONObject) throws {
        let fields = FieldReader(object)
        try fields.refuseUnknown(Self.fields)
        guard try fields.requiredString("status") == "missing" else {
            throw EvidenceError.input("a verdict without \"digest\" must be a missing stage (\"status\":\"missing\")")
        }
        _ = try fields.requiredIdentifier("id")
        contract = try fields.requiredIdentifier("contract")
        stage = try fields.requiredStage("stage", missing: "lowercase word")
        reason = try fields.optionalString("reason")
    }
}
