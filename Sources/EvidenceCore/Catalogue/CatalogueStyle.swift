import EvidenceSupport

/// The print view's stylesheet. A4 landscape: nine columns with full
/// digests do not fit a portrait page legibly. CJK serif faces first
/// (Noto/Source Han, then the Windows and macOS ones), so the PDF looks the
/// same wherever Chromium finds one of them.
enum CatalogueStyle {
    static let serif = #""Noto Serif CJK SC", "Source Han Serif SC", "Noto Serif SC", "Songti SC", SimSun, "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", serif"#
    static let mono = #""DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono CJK SC", Consolas, monospace"#

    static func css(labels: CatalogueLabels, caseNumber: String?) -> String {
        let running = caseNumber.map { cssString(labels.caseNumber + (labels.language == .zh ? "：" : " ") + $0) } ?? "\"\""
        return page(size: "A4 landscape", left: running, right: cssString(labels.title), labels: labels) + """
            .head { margin-bottom: 5mm; }
            .commission { text-align: center; font-size: 12pt; margin: 0 0 2mm; }
            h1 { text-align: center; font-size: 20pt; letter-spacing: 0.5em; text-indent: 0.5em; margin: 0 0 5mm; font-weight: bold; }
            table.case { border-collapse: collapse; margin: 0 0 3mm; font-size: 10.5pt; }
            table.case th { text-align: left; font-weight: bold; padding: 0.6mm 4mm 0.6mm 0; white-space: nowrap; vertical-align: top; }
            table.case td { padding: 0.6mm 0; }
            .summary { margin: 2mm 0 0; font-size: 9.5pt; }
            .attention { margin: 2mm 0 0; padding: 1.5mm 2.5mm; border: 1.2pt solid #000; background: #fde2e2; font-weight: bold; font-size: 9.5pt; }
            table.catalogue { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8pt; line-height: 1.35; }
            table.catalogue thead { display: table-header-group; }
            table.catalogue th, table.catalogue td { border: 0.6pt solid #000; padding: 1.2mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }
            table.catalogue thead th { background: #e8e8e8; font-weight: bold; text-align: center; vertical-align: middle; }
            tr.group th { text-align: left; font-weight: bold; background: #f4f4f4; font-size: 9pt; }
            tr.group { break-after: avoid; page-break-after: avoid; }
            tr.row { break-inside: avoid; page-break-inside: avoid; }
            col.c-no { width: 4.5%; } col.c-name { width: 14%; } col.c-source { width: 8.5%; }
            col.c-purpose { width: 18%; } col.c-extent { width: 6%; } col.c-digest { width: 20%; }
            col.c-log { width: 9.5%; } col.c-status { width: 8.5%; } col.c-remarks { width: 11%; }
            td.no { text-align: center; }
            td.name .id { color: #444; font-size: 7pt; margin-top: 0.8mm; }
            td.digest .alg { font-size: 7pt; font-weight: bold; }
            td.digest .hex { font-family: \(mono); font-size: 6.5pt; word-break: break-all; }
            td.digest .hex + .alg { margin-top: 0.8mm; }
            td.log div + div, td.remarks div + div, td.status div + div { margin-top: 0.8mm; }
            td.status div { font-size: 7pt; }
            tr.flagged td { background: #fde2e2; }
            tr.flagged td.no { border-left: 2.5pt solid #000; font-weight: bold; }
            tr.flagged td.status strong { font-weight: bold; }
            td.empty { text-align: center; }
            .note { font-size: 8pt; color: #222; margin: 4mm 0 0; text-align: justify; }
            .sign { margin: 10mm 0 0 55%; break-inside: avoid; page-break-inside: avoid; font-size: 10.5pt; }
            .sign p { margin: 0 0 9mm; display: flex; align-items: flex-end; }
            .sign .label { white-space: nowrap; }
            .sign .line { flex: 1; border-bottom: 0.6pt solid #000; min-height: 6mm; padding: 0 1mm; }

            """
    }

    /// What both print views (the catalogue, the custody certificate) open
    /// with: the paper, its margins, a running header (`left` and `right`,
    /// CSS values), 第 n 页 共 m 页 / Page n of m below, and the fonts.
    static func page(size: String, left: String, right: String, labels: CatalogueLabels) -> String {
        let footer = labels.pageFooter
        return """
            @page {
              size: \(size);
              margin: 18mm 15mm 16mm 15mm;
              @top-left { content: \(left); font: 8.5pt \(serif); color: #333; vertical-align: bottom; padding-bottom: 3mm; }
              @top-right { content: \(right); font: 8.5pt \(serif); color: #333; vertical-align: bottom; padding-bottom: 3mm; }
              @bottom-center { content: \(cssString(footer.before)) counter(page) \(cssString(footer.between)) counter(pages) \(cssString(footer.after)); font: 9pt \(serif); }
            }
            html { font-family: \(serif); font-size: 10pt; color: #000; background: #fff;
              -webkit-print-color-adjust: exact; print-color-adjust: exact; }
            body { margin: 0; }

            """
    }

    /// A CSS string literal. Everything but letters, digits, spaces and
    /// non-ASCII text is written as a hex escape, so that no input can end
    /// the string or the `<style>` element (`</style>` becomes `\3c \2f style\3e `).
    static func cssString(_ s: String) -> String {
        var out = "\""
        for scalar in DisplayText.visible(s, keepingLines: false).unicodeScalars {
            let v = scalar.value
            let plain = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x20 || v >= 0xA0
            if plain { out.unicodeScalars.append(scalar) } else { out += "\\" + String(v, radix: 16) + " " }
        }
        return out + "\""
    }
}
