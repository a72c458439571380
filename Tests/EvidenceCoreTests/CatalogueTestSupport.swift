@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore

/// Builders for catalogue inputs, so that each test states only what matters.
enum Fixture {
    static let digest = String(repeating: "ab", count: 32)

    /// A JSON string literal of `s`.
    static func quoted(_ s: String) -> String {
        var w = JSONWriter()
        w.writeString(s)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func record(_ contract: String = "C1", _ stage: String, _ name: String, time: String? = nil,
                       extra: String = "") -> String {
        let id = quoted(contract + "/" + stage + "/" + name)
        var s = #"{"id":\#(id),"contract":"\#(contract)","stage":"\#(stage)","name":\#(quoted(name))"#
        if let time { s += #","time":"\#(time)""# }
        return s + #","alg":"sha256","digest":"\#(digest)"\#(extra)}"#
    }

    static func verdict(_ contract: String = "C1", _ stage: String, _ name: String, time: String? = nil,
                        status: String = "ok", seq: Int = 0, extra: String = "") -> String {
        let tail = status == "missing" ? #","status":"missing","reason":"no entry""#
            : #","status":"\#(status)","seq":\#(seq),"logged":"2026-11-25T10:00:00Z","tree_size":9"#
                + (status == "ok" ? #","checked":"original","cosignatures":1"# : "")
        return record(contract, stage, name, time: time, extra: tail + extra)
    }

    /// A chain entry as evchain writes it, its leaf computed by `ChainEntry`.
    static func entry(_ contract: String = "C1", _ stage: String, _ name: String, seq: Int = 0) -> String {
        let r = record(contract, stage, name)
        let leaf = ChainEntry(seq: UInt64(seq), time: "2026-11-25T10:00:00Z", canonicalRecord: JCS.canonical(try! JSON.parse(r))).leaf
        return #"{"seq":\#(seq),"time":"2026-11-25T10:00:00Z","record":\#(r),"leaf":"\#(Hex.encode(leaf))"}"#
    }

    static func item(_ line: String) throws -> CatalogueItem {
        guard case .object(let o) = try JSON.parse(line) else { fatalError("fixture is not an object") }
        return try CatalogueItem(json: o)
    }

    static func catalogue(_ lines: [String], _ configure: (inout Catalogue.Options) -> Void = { _ in }) throws -> Catalogue {
        var options = Catalogue.Options()
        configure(&options)
        var items: [CatalogueItem] = [], gaps: [StageGap] = []
        for line in lines {
            guard case .object(let o) = try JSON.parse(line) else { fatalError("fixture is not an object") }
            if StageGap.isGap(o) { gaps.append(try StageGap(json: o)) } else { items.append(try CatalogueItem(json: o)) }
        }
        return try Catalogue(items: items, gaps: gaps, options: options)
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
