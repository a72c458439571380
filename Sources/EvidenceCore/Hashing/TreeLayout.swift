import EvidenceSupport

/// Where a folder tree keeps its evidence (`evhash --walk --layout`), said
/// once: folder segments `{contract}`, `{stage}` or a fixed name, then `**`
/// for the files at any depth below. A file's id is
/// `contract/stage/<path matched by **>`, unique because paths are.
public struct TreeLayout: Sendable {
    enum Segment: Sendable, Equatable {
        case contract, stage
        case fixed(String)
    }

    let segments: [Segment]
    public let text: String

    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts.last == "**" else {
            throw EvidenceError.usage("layout \"\(text)\" must be folders then \"**\", such as \"{contract}/{stage}/**\"")
        }
        var segments: [Segment] = []
        for part in parts.dropLast() {
            switch part {
            case "{contract}": segments.append(.contract)
            case "{stage}": segments.append(.stage)
            default:
                guard !part.isEmpty, part != ".", part != "..",
                      !part.contains(where: { "{}*?[]".contains($0) }) else {
                    throw EvidenceError.usage("layout \"\(text)\": \"\(part)\" is not {contract}, {stage} or a folder name")
                }
                segments.append(.fixed(part))
            }
        }
        guard segments.filter({ $0 == .contract }).count == 1, segments.filter({ $0 == .stage }).count == 1 else {
            throw EvidenceError.usage("layout \"\(text)\" must name {contract} and {stage} once each")
        }
        self.segments = segments
        self.text = text
    }

    /// A file's place in the layout.
    public struct Place: Sendable {
        public var contract: String
        public var stage: String
        /// The path below the layout's folders (what `**` matched).
        public var below: String
    }

    /// Where `path` (relative, `/`-separated) sits; nil when it is not in
    /// the layout (too shallow, or a fixed folder of another name). A
    /// contract or stage folder whose name cannot be one is an error.
    func place(_ path: String) throws -> Place? {
        let components = path.split(separator: "/").map(String.init)
        guard components.count > segments.count else { return nil }
        var place = Place(contract: "", stage: "", below: components[segments.count...].joined(separator: "/"))
        for (segment, name) in zip(segments, components) {
            switch segment {
            case .contract:
                guard !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
                    throw EvidenceError.input("contract folder \"\(name)\" has a control character", at: path)
                }
                place.contract = name
            case .stage:
                guard Stage.isValidName(name) else {
                    throw EvidenceError.input("stage folder \"\(name)\" is not a stage name (one lowercase word such as esign, face, liveness, performance, execution, default)", at: path)
                }
                place.stage = name
            case .fixed(let fixed):
                guard name == fixed else { return nil }
            }
        }
        return place
    }
}
