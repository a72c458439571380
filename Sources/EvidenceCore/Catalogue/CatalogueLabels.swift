import EvidenceSupport

/// The languages a catalogue is written in (`--lang`).
public enum CatalogueLanguage: String, Sendable, CaseIterable {
    case zh, en
}

/// Every word a rendered catalogue prints, in one language. Kept apart from
/// the renderers so that the four formats say the same thing.
public struct CatalogueLabels: Sendable {
    public let language: CatalogueLanguage

    public init(_ language: CatalogueLanguage) { self.language = language }

    private func t(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

    public var title: String { t("证据目录", "Evidence Catalogue") }
    public var caseNumber: String { t("案号", "Case No.") }
    public var commission: String { t("仲裁机构", "Arbitration commission") }
    public var applicant: String { t("申请人", "Applicant") }
    public var respondent: String { t("被申请人", "Respondent") }
    public var contracts: String { t("合同编号", "Contract No.") }
    public var claim: String { t("仲裁请求", "Claim") }

    /// Column headings, in the customary order.
    public var number: String { t("序号", "No.") }
    public var category: String { t("证据类别", "Category") }
    public var name: String { t("证据名称", "Evidence") }
    public var source: String { t("证据来源", "Source") }
    public var purpose: String { t("证明目的", "Purpose of proof") }
    public var extent: String { t("页数/大小", "Pages / size") }
    public var digest: String { t("摘要算法与摘要值", "Digest (algorithm: value)") }
    public var logEntry: String { t("存证序号与时间", "Log entry and time") }
    public var verification: String { t("核验结果", "Verification") }
    public var remarks: String { t("备注", "Remarks") }

    public func stage(_ stage: Stage) -> String { language == .zh ? stage.chinese : stage.english }

    /// The heading of the n-th stage group: 一、电子签章 / A. E-signature.
    public func group(_ n: Int, _ stage: Stage) -> String {
        language == .zh ? "\(Self.chineseNumeral(n))、\(self.stage(stage))" : "\(Self.letter(n)). \(self.stage(stage))"
    }

    public func status(_ status: VerificationStatus) -> String {
        switch status {
        case .ok: return t("核验通过", "Verified")
        case .mismatch: return t("【未通过】摘要不一致", "FAILED: digest mismatch")
        case .missing: return t("【未通过】存证链中无此记录", "FAILED: not in the evidence log")
        case .unproven: return t("【未通过】存证证明或签名无效", "FAILED: proof or signature invalid")
        case .notVerified: return t("【未核验】仅有存证记录", "NOT VERIFIED: log entry only")
        case .notLogged: return t("【未核验】未存证", "NOT VERIFIED: not logged")
        case .absent: return t("【缺失】未提供该类证据", "MISSING: no evidence of this stage")
        }
    }

    /// The status of a row: a pass checked less than fully says so, and the
    /// lines of `strength` say how.
    public func status(of row: Catalogue.Row) -> String {
        if row.status == .ok, row.item?.strength?.isFull == false { return t("核验通过（有限）", "Verified (limited)") }
        return status(row.status)
    }

    /// What an `ok` verdict checked, one line each: the digest compared, the
    /// witness cosignatures, and other digests logged under the same id.
    public func strength(_ s: CheckStrength) -> [String] {
        var lines: [String] = []
        switch s.digest {
        case .original: lines.append(t("已重算原件摘要", "original's digest recomputed"))
        case .record: lines.append(t("仅比对记录，未读原件", "record only: original not read"))
        case .unstated: lines.append(t("未说明是否读原件", "not stated whether the original was read"))
        }
        switch s.cosignatures {
        case let n? where n > 0:
            lines.append(t("见证副署 \(n) 个", n == 1 ? "1 witness cosignature" : "\(n) witness cosignatures"))
        case 0?: lines.append(t("无见证副署，仅存证链自签", "no witness cosignature: the log's signature only"))
        default: lines.append(t("未说明见证副署", "witness cosignatures not stated"))
        }
        if !s.relogged.isEmpty {
            let seqs = s.relogged.map { String($0.seq) }
            lines.append(t("另有不同摘要存证：序号 \(seqs.joined(separator: "、"))",
                           "also logged with other digests: seq \(seqs.joined(separator: ", "))"))
        }
        return lines
    }

    public func pages(_ n: Int) -> String { t("\(n) 页", n == 1 ? "1 page" : "\(n) pages") }
    /// A size people read at a glance, with the exact count beside it:
    /// `1.9 MB（2,000,000 字节）` (units of 1024 bytes, as file managers show them).
    public func bytes(_ n: Int) -> String {
        let exact = t("\(Self.grouped(n)) 字节", n == 1 ? "1 byte" : "\(Self.grouped(n)) bytes")
        guard n >= 1024 else { return exact }
        var value = Double(n) / 1024, unit = 0
        let units = ["KB", "MB", "GB", "TB"]
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        let tenths = Int((value * 10).rounded())
        let shown = tenths < 100 ? "\(tenths / 10).\(tenths % 10)" : String(Int(value.rounded()))
        return t("\(shown) \(units[unit])（\(exact)）", "\(shown) \(units[unit]) (\(exact))")
    }

    /// Digits in groups of three: 2000000 → 2,000,000.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }
    public func seq(_ n: Int) -> String { t("存证序号 \(n)", "seq \(n)") }
    /// The entry's own time is the bank's clock; an attested time is a
    /// timestamp authority's or the witnesses': the catalogue names each.
    public func loggedClaim(_ time: String) -> String { t("银行系统自报时间 \(time)", "bank's clock: \(time)") }
    public func attested(_ time: String, by basis: String) -> String {
        let by = basis == Attestation.Basis.timestamp.rawValue ? t("可信时间戳", "timestamp") : t("见证人联署", "witness cosignatures")
        return t("独立证明：不晚于 \(time) 已存证（\(by)）", "attested: in the log by \(time) (\(by))")
    }
    public func treeSize(_ n: Int) -> String { t("检查点大小 \(n)", "checkpoint size \(n)") }
    public func actualDigest(_ algorithm: String) -> String { t("原件现值 \(algorithm)（不符）", "original now, \(algorithm) (differs)") }
    public func keyID(_ id: String) -> String { t("密钥标识 \(id)", "key id \(id)") }
    public func certificate(_ serial: String) -> String { t("保管单 \(serial)", "custody certificate \(serial)") }
    public func receiptsChecked(_ files: [String]) -> String {
        t("已核对客户回执 \(files.joined(separator: "、"))", "customer receipts checked: \(files.joined(separator: ", "))")
    }
    public func generated(_ time: String) -> String { t("生成于 \(time)", "generated \(time)") }
    public func kind(_ kind: EvidenceRecord.Kind?) -> String {
        switch kind {
        case .file?: return t("电子数据（文件）", "electronic data (file)")
        case .data?: return t("电子数据（结构化记录）", "electronic data (structured record)")
        case nil: return t("电子数据", "electronic data")
        }
    }
    public func contract(_ c: String) -> String { t("合同 \(c)", "contract \(c)") }

    /// The one-line account printed above the table.
    public func summary(_ s: Catalogue.Summary) -> String {
        var parts = [t("共 \(s.items) 项证据", "\(s.items) item\(s.items == 1 ? "" : "s") of evidence"),
                     t("核验通过 \(s.verified) 项", "\(s.verified) verified")
                        + (s.limited > 0 ? t("（其中有限核验 \(s.limited) 项）", " (\(s.limited) limited)") : "")]
        if s.failed > 0 { parts.append(t("未通过 \(s.failed) 项", "\(s.failed) FAILED")) }
        if s.unverified > 0 { parts.append(t("未核验 \(s.unverified) 项", "\(s.unverified) NOT VERIFIED")) }
        if s.absentStages > 0 { parts.append(t("缺失证据类别 \(s.absentStages) 项", "\(s.absentStages) stage\(s.absentStages == 1 ? "" : "s") MISSING")) }
        return parts.joined(separator: t("；", "; ")) + t("。", ".")
    }

    /// The marked rows, named so that nobody has to search the table for
    /// them: evidence by number, missing stages by name; nil when none.
    public func attention(_ catalogue: Catalogue) -> String? {
        let marked = catalogue.rows.filter(\.flagged)
        let limited = catalogue.rows.filter { !$0.flagged && $0.status == .ok && $0.item?.strength?.isFull == false }
        guard !marked.isEmpty || !limited.isEmpty else { return nil }
        let numbers = marked.compactMap(\.number).map(String.init)
        let absent = marked.filter { $0.item == nil }.map { row in
            stage(row.stage) + (catalogue.contracts.count > 1 ? row.contract.map { t("（\($0)）", " (\($0))") } ?? "" : "")
        }
        var parts: [String] = []
        if !numbers.isEmpty {
            parts.append(t("第 \(numbers.joined(separator: "、")) 号证据核验未通过或未核验",
                           "evidence no. \(numbers.joined(separator: ", ")) failed or was not verified"))
        }
        if !limited.isEmpty {
            let n = limited.compactMap(\.number).map(String.init)
            parts.append(t("第 \(n.joined(separator: "、")) 号证据核验范围有限（见核验结果栏）",
                           "evidence no. \(n.joined(separator: ", ")) was verified with limits (see the Verification column)"))
        }
        if !absent.isEmpty {
            parts.append(t("缺少以下类别的证据：\(absent.joined(separator: "、"))",
                           "no evidence of: \(absent.joined(separator: ", "))"))
        }
        return t("请注意：", "Attention: ") + parts.joined(separator: t("；", "; ")) + t("。", ".")
    }

    public var submittedBy: String { t("提交人（签名或盖章）", "Submitted by (signature or seal)") }
    public var dateLine: String { t("日期", "Date") }
    public var blankDate: String { t("　　　　年　　月　　日", "____________________") }
    public func date(year: Int, month: Int, day: Int) -> String {
        language == .zh ? "\(year) 年 \(month) 月 \(day) 日" : "\(day) \(Self.months[month - 1]) \(year)"
    }
    /// The footer around the page counters: 第 n 页 共 m 页 / Page n of m.
    public var pageFooter: (before: String, between: String, after: String) {
        language == .zh ? ("第 ", " 页 共 ", " 页") : ("Page ", " of ", "")
    }

    /// How to check a row by hand, printed under the table.
    public var note: String {
        t("说明：摘要值为证据原件（或结构化记录的 RFC 8785 规范化形式）的摘要，可用 sha256sum、openssl dgst 等工具复核；存证序号指向证据存证链中的条目，可凭保管单中的包含证明离线核验。标注【未通过】【未核验】【缺失】的条目未能证明其自存证以来未被篡改。",
          "Note: each digest is that of the original (or of the RFC 8785 canonical form of a structured record) and can be checked with sha256sum, openssl dgst and the like; the log entry points into the evidence log and can be verified offline with the inclusion proof in the custody certificate. Rows marked FAILED, NOT VERIFIED or MISSING do not show that the evidence is unchanged since it was logged.")
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July",
                         "August", "September", "October", "November", "December"]

    /// 1 → 一, 12 → 十二, 20 → 二十, up to 99.
    static func chineseNumeral(_ n: Int) -> String {
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        guard n > 0 && n < 100 else { return String(n) }
        if n < 10 { return digits[n] }
        return (n / 10 == 1 ? "" : digits[n / 10]) + "十" + (n % 10 == 0 ? "" : digits[n % 10])
    }

    /// 1 → A … 26 → Z, then numbers.
    static func letter(_ n: Int) -> String {
        n >= 1 && n <= 26 ? String(UnicodeScalar(UInt8(64 + n))) : String(n)
    }
}
