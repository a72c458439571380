import EvidenceCrypto
import EvidenceLog
import EvidenceSupport

/// `evverify check-cert --format html`: the custody certificate (保管单) as
/// a self-contained print view, one file with inline CSS and an inline SVG
/// QR code, that headless Chromium prints to an A4 PDF as it prints the
/// catalogue (the same fonts, escaping and page numbers: CatalogueStyle,
/// CatalogueHTML).
///
/// It shows what a court weighs — issuer, log, witnesses, checkpoint, each
/// item with its digest and times, what the certificate says of
/// completeness — and a QR code holding the serial and the SHA-256 of the
/// certificate file, so that a reader can check the paper against the file.
/// It renders only a certificate whose check holds: the page states what the
/// check established, so a failed check has no page.
public enum CertificateHTML {
    /// The text of the QR code: the serial and the file's SHA-256, one per line.
    public static func qrText(serial: String, fileSHA256: String) -> String {
        "\(serial)\nsha256:\(fileSHA256)"
    }

    /// `utcOffset`: minutes east of UTC at which times are shown, the offset
    /// named in each (as the catalogue's `--utc-offset`).
    public static func render(_ bytes: [UInt8], check: CustodyCertificate.CheckResult,
                              language: CatalogueLanguage, utcOffset: Int = 0) throws -> [UInt8] {
        guard check.isValid, let issuer = check.issuer, let serial = check.serial else {
            throw EvidenceError.failure("the certificate does not hold under the given keys: nothing to print")
        }
        guard case .object(let doc) = try JSON.parse(bytes) else {
            throw EvidenceError.input("not a custody certificate")
        }
        let w = Words(language)
        let labels = CatalogueLabels(language)
        let fileDigest = Hex.encode(DigestAlgorithm.sha256.hash(bytes))
        let qr = try QRCode(qrText(serial: serial, fileSHA256: fileDigest))
        let e = CatalogueHTML.escape
        let t = CatalogueHTML.text
        func time(_ rfc3339: String) -> String { DisplayText.time(rfc3339, offsetMinutes: utcOffset) }

        var h = "<!DOCTYPE html>\n<html lang=\"\(language == .zh ? "zh-CN" : "en")\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<title>\(e(w.title + " — " + DisplayText.visible(serial, keepingLines: false)))</title>\n"
        h += "<style>\n\(css(w: w, labels: labels, serial: serial))</style>\n</head>\n<body>\n"
        h += "<h1>\(e(w.title))</h1>\n"

        // Who says what, under which keys.
        h += "<table class=\"fields\">\n"
        func field(_ label: String, _ value: String) { h += "<tr><th scope=\"row\">\(e(label))</th><td>\(value)</td></tr>\n" }
        field(w.serial, "<span class=\"serial\">\(t(serial))</span>")
        field(w.issuer, t(issuer.name) + " <span class=\"id\">(\(e(labels.keyID(issuer.keyID))))</span>")
        if let issued = doc["issued"]?.stringValue { field(w.issued, e(time(issued))) }
        let log = doc["log"]
        field(w.log, t(log?["origin"]?.stringValue ?? "") + keyIDSuffix(log?["key"]?.stringValue, labels))
        let checkpoint = doc["checkpoint"]
        var cp = e(labels.treeSize(checkpoint?["tree_size"]?.integerValue ?? 0))
        if let root = checkpoint?["root"]?.stringValue { cp += "<div class=\"hex\">\(e(w.root)) \(t(root))</div>" }
        field(w.checkpoint, cp)
        let cosigners = checkpoint?["cosigners"]?.arrayValue ?? []
        field(w.witnesses, cosigners.isEmpty ? e(w.noWitness) : cosigners.map { c in
            let key = c["key"]?.stringValue.flatMap { try? NoteVerifierKey(parsing: $0) }
            return "<div>" + t(key?.name ?? "?") + keyIDSuffix(c["key"]?.stringValue, labels)
                + w.comma
                + e(w.cosigned(time(c["time"]?.stringValue ?? ""))) + "</div>"
        }.joined())
        if let stamped = checkpoint?["timestamp"]?["time"]?.stringValue {
            field(w.timestamp, e(time(stamped)))
        }
        for past in doc["attestations"]?.arrayValue ?? [] {
            field(w.pastCheckpoint, e(labels.treeSize(past["tree_size"]?.integerValue ?? 0)) + w.comma
                  + e(labels.attested(time(past["time"]?.stringValue ?? ""), by: past["by"]?.stringValue ?? "")))
        }
        let verification = doc["verification"]
        field(w.verification, e(w.result(verification?["result"]?.stringValue == "ok", items: check.items,
                                         time: time(verification?["time"]?.stringValue ?? "")))
              + "<div class=\"method\">\(t(verification?["method"]?.stringValue ?? ""))</div>")
        h += "</table>\n"

        // Completeness: what the certificate says, and what it does not.
        h += "<h2>\(e(w.completeness))</h2>\n<ul class=\"complete\">\n"
        for c in doc["contracts"]?.arrayValue ?? [] {
            let stages = (c["stages"]?.arrayValue ?? []).compactMap(\.stringValue).map { labels.stage(Stage.named($0)) }
            let missing = (c["missing_stages"]?.arrayValue ?? []).compactMap(\.stringValue).map { labels.stage(Stage.named($0)) }
            h += "<li>\(t(labels.contract(c["contract"]?.stringValue ?? "")))\(e(w.colon))\(e(w.stages(stages, missing: missing)))</li>\n"
        }
        h += "<li>\(e(verification?["complete"]?.boolValue == true ? w.completeChecked : w.completeNotChecked))</li>\n"
        if let cutoff = verification?["logged_before"]?.stringValue {
            h += "<li>\(e(w.loggedBefore(time(cutoff))))</li>\n"
        }
        h += "</ul>\n"

        // The items.
        // One tbody per item: its number, what it is and its times, then its
        // digest on a line of its own, the full width, so that it is read
        // (and copied from the PDF) in one piece.
        h += "<h2>\(e(w.items(check.items)))</h2>\n<table class=\"items\">\n<colgroup>"
        for c in ["no", "item", "log"] { h += "<col class=\"c-\(c)\">" }
        h += "</colgroup>\n<thead><tr>"
        for label in [labels.number, w.item, w.times] { h += "<th scope=\"col\">\(e(label))</th>" }
        h += "</tr></thead>\n"
        for (n, item) in (doc["items"]?.arrayValue ?? []).enumerated() {
            let record = item["record"]
            h += "<tbody class=\"entry\">\n<tr><td class=\"no\" rowspan=\"2\">\(n + 1)</td>"
            h += "<td class=\"item\"><div class=\"itemid\">\(t(item["id"]?.stringValue ?? ""))</div>"
            if let stage = record?["stage"]?.stringValue { h += "<div>\(e(w.stage + w.colon + labels.stage(Stage.named(stage))))</div>" }
            if let source = record?["source"]?.stringValue { h += "<div>\(e(w.source + w.colon))\(t(source))</div>" }
            if let made = record?["time"]?.stringValue { h += "<div>\(e(labels.generated(time(made))))</div>" }
            h += "</td><td class=\"log\">"
            h += "<div>\(e(labels.seq(item["seq"]?.integerValue ?? -1)))</div>"
            if let logged = item["logged"]?.stringValue { h += "<div>\(e(labels.loggedClaim(time(logged))))</div>" }
            if let attested = item["attested"], let when = attested["time"]?.stringValue {
                h += "<div class=\"attested\">\(e(labels.attested(time(when), by: attested["by"]?.stringValue ?? "")))</div>"
            } else {
                h += "<div class=\"attested\">\(e(w.notAttested))</div>"
            }
            h += "</td></tr>\n<tr><td class=\"digest\" colspan=\"2\">"
            if let alg = record?["alg"]?.stringValue, let digest = record?["digest"]?.stringValue {
                h += "<span class=\"alg\">\(e(w.digest))\(t(alg))\(e(w.colon))</span><span class=\"hex\">\(t(digest))</span>"
            }
            if let checked = item["checked"]?.stringValue { h += "<div class=\"checked\">\(e(w.checked(checked)))</div>" }
            h += "</td></tr>\n</tbody>\n"
        }
        h += "</table>\n"

        // The check of paper against file.
        h += "<section class=\"check\">\n"
        h += qr.svg(side: "36mm", label: e(w.qrLabel))
        h += "<div class=\"checktext\"><p>\(e(w.qrExplained))</p>"
        h += "<p><span class=\"label\">\(e(w.serial + w.colon))</span><span class=\"serial\">\(t(serial))</span></p>"
        h += "<p><span class=\"label\">\(e(w.fileDigest + w.colon))</span><span class=\"hex\">\(e(fileDigest))</span></p>"
        h += "<p class=\"how\">\(e(w.howToCheck))</p></div>\n</section>\n"
        if let basis = doc["legal_basis"]?.stringValue { h += "<p class=\"note\">\(t(basis))</p>\n" }
        h += "</body>\n</html>\n"
        return Array(h.utf8)
    }

    static func keyIDSuffix(_ encoded: String?, _ labels: CatalogueLabels) -> String {
        guard let key = encoded.flatMap({ try? NoteVerifierKey(parsing: $0) }) else { return "" }
        return " <span class=\"id\">(\(CatalogueHTML.escape(labels.keyID(Hex.encode(key.keyID)))))</span>"
    }

    /// A4 portrait (four columns fit), with the catalogue's fonts and page counters.
    static func css(w: Words, labels: CatalogueLabels, serial: String) -> String {
        let mono = CatalogueStyle.mono
        return CatalogueStyle.page(size: "A4", left: CatalogueStyle.cssString(w.serial + w.colon + serial),
                                   right: CatalogueStyle.cssString(w.title), labels: labels) + """
            h1 { text-align: center; font-size: 18pt; margin: 0 0 5mm; font-weight: bold; }
            h2 { font-size: 11.5pt; margin: 5mm 0 2mm; }
            table.fields { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
            table.fields th { text-align: left; font-weight: bold; padding: 0.8mm 4mm 0.8mm 0; white-space: nowrap; vertical-align: top; width: 22%; }
            table.fields td { padding: 0.8mm 0; overflow-wrap: anywhere; }
            .id { color: #444; font-size: 8.5pt; }
            .hex, .serial { font-family: \(mono); word-break: break-all; }
            .hex { font-size: 7.5pt; }
            .method { font-size: 8.5pt; margin-top: 0.8mm; }
            ul.complete { margin: 0; padding-left: 5mm; font-size: 9.5pt; }
            table.items { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8pt; line-height: 1.35; }
            table.items thead { display: table-header-group; }
            table.items th, table.items td { border: 0.6pt solid #000; padding: 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
            table.items thead th { background: #e8e8e8; font-weight: bold; text-align: center; }
            tbody.entry { break-inside: avoid; page-break-inside: avoid; }
            col.c-no { width: 6%; } col.c-item { width: 47%; } col.c-log { width: 47%; }
            td.no { text-align: center; }
            td.item .itemid { font-weight: bold; }
            td.digest .alg { font-size: 7.5pt; font-weight: bold; }
            td.digest .hex { font-size: 7.5pt; }
            td.digest .checked { font-size: 7pt; margin-top: 0.8mm; }
            td div + div { margin-top: 0.6mm; }
            .check { display: flex; gap: 5mm; align-items: flex-start; margin: 6mm 0 0; break-inside: avoid; page-break-inside: avoid; }
            svg.qr { flex: none; }
            .checktext { font-size: 9pt; }
            .checktext p { margin: 0 0 1.5mm; }
            .checktext .hex { font-size: 8pt; }
            .how { font-size: 8pt; color: #222; }
            .note { font-size: 8pt; color: #222; margin: 4mm 0 0; text-align: justify; }

            """
    }

    /// Every word the page prints besides those it shares with the catalogue.
    struct Words {
        let language: CatalogueLanguage
        init(_ language: CatalogueLanguage) { self.language = language }
        private func t(_ zh: String, _ en: String) -> String { language == .zh ? zh : en }

        var title: String { t("全流程存证保管单", "Evidence custody certificate") }
        var colon: String { t("：", ": ") }
        var comma: String { t("，", ", ") }
        var serial: String { t("保管单编号", "Serial") }
        var issuer: String { t("签发人", "Issued by") }
        var issued: String { t("签发时间（签发人所述）", "Issued (the issuer's word)") }
        var log: String { t("存证链", "Evidence log") }
        var checkpoint: String { t("检查点", "Checkpoint") }
        var root: String { t("根哈希", "root") }
        var witnesses: String { t("见证人", "Witnesses") }
        var noWitness: String { t("无见证副署", "no witness cosignature") }
        func cosigned(_ time: String) -> String { t("副署于 \(time)", "cosigned \(time)") }
        var timestamp: String { t("可信时间戳", "Timestamp") }
        var pastCheckpoint: String { t("较早检查点", "Earlier checkpoint") }
        var verification: String { t("核验", "Verification") }
        func result(_ ok: Bool, items: Int, time: String) -> String {
            ok ? t("\(items) 项证据均核验通过（核验时间 \(time)）", "all \(items) item\(items == 1 ? "" : "s") verified (at \(time))")
               : t("核验未通过", "verification FAILED")
        }
        var completeness: String { t("完整性", "Completeness") }
        func stages(_ stages: [String], missing: [String]) -> String {
            let sep = t("、", ", ")
            var s = t("已有阶段 ", "stages present: ") + (stages.isEmpty ? t("无", "none") : stages.joined(separator: sep))
            if !missing.isEmpty { s += t("；缺失阶段 ", "; stages MISSING: ") + missing.joined(separator: sep) }
            return s
        }
        var completeChecked: String {
            t("已核对完整性：存证链中上述合同的全部条目均已出示。",
              "Completeness was checked: every entry of these contracts in the log was presented.")
        }
        var completeNotChecked: String {
            t("未核对完整性：本保管单仅证明所列证据，存证链中可能另有上述合同的条目。",
              "Completeness was not checked: this certificate covers the items listed only; the log may hold further entries of these contracts.")
        }
        func loggedBefore(_ time: String) -> String {
            t("仅计入经独立证明早于 \(time) 存证的条目。", "Only entries attested as logged before \(time) were counted.")
        }
        func items(_ n: Int) -> String { t("证据（\(n) 项）", "Items (\(n))") }
        var item: String { t("证据", "Item") }
        var digest: String { t("摘要 ", "digest ") }
        var times: String { t("存证序号与时间", "Log entry and times") }
        var stage: String { t("阶段", "stage") }
        var source: String { t("来源", "source") }
        func checked(_ how: String) -> String {
            how == "original" ? t("已重算原件摘要", "original's digest recomputed") : t("仅比对记录，未读原件", "record only: original not read")
        }
        var notAttested: String { t("无独立时间证明", "no attested time") }
        var fileDigest: String { t("保管单文件 SHA-256", "SHA-256 of the certificate file") }
        var qrLabel: String { t("二维码：保管单编号与文件 SHA-256", "QR code: serial and SHA-256 of the certificate file") }
        var qrExplained: String {
            t("二维码内容为保管单编号及保管单文件（JSON）的 SHA-256 摘要，用以核对本纸质件与电子文件是否一致。",
              "The QR code holds the serial and the SHA-256 of the certificate file (JSON), to check this paper against the file.")
        }
        var howToCheck: String {
            t("核对方法：sha256sum 保管单文件，与上列摘要比对；再以 evverify check-cert 及签发人、存证链、见证人的公钥离线复核。本页仅在保管单经上述公钥核验通过后打印。",
              "To check: compare sha256sum of the certificate file with the digest above, then re-verify it offline with evverify check-cert and the issuer's, the log's and the witnesses' public keys. This page is printed only after the certificate verified under those keys.")
        }
    }
}
