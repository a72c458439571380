import EvidenceCrypto
import EvidenceSupport

/// `evverify check-receipt --format html`: the receipt's compact printable
/// form, one self-contained page (inline CSS, inline SVG QR code) in the
/// style of the printed custody certificate (CertificateHTML), for a
/// customer who keeps paper. The receipt itself does not fit in a QR code
/// (≈1.7 KB an entry); the code holds what ties the paper to the file and
/// to the log: the contract, the checkpoint's tree size, the index value
/// (count, last seq, chain) and the SHA-256 of the receipt file.
/// Rendered only for a receipt whose check holds.
public enum ReceiptHTML {
    /// The QR code's text, one field a line.
    public static func qrText(_ check: ReceiptCheck, fileSHA256: String) -> String {
        var lines = [ContractReceipt.type, check.contract, "tree_size \(check.treeSize ?? 0)"]
        if let v = check.value { lines.append("index \(v.count) \(v.last) \(Hex.encode(v.chain))") }
        lines.append("sha256:\(fileSHA256)")
        return lines.joined(separator: "\n")
    }

    public static func render(_ bytes: [UInt8], check: ReceiptCheck) throws -> [UInt8] {
        guard check.isValid else {
            throw EvidenceError.failure("the receipt does not hold under the given keys: nothing to print")
        }
        let fileDigest = Hex.encode(DigestAlgorithm.sha256.hash(bytes))
        let qr = try QRCode(qrText(check, fileSHA256: fileDigest))
        let e = CatalogueHTML.escape, t = CatalogueHTML.text
        let title = "合同存证回执 / Contract evidence receipt"
        var h = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<title>\(e(title + " — " + DisplayText.visible(check.contract, keepingLines: false)))</title>\n<style>\n"
        h += CatalogueStyle.page(size: "A4", left: CatalogueStyle.cssString(check.contract), right: CatalogueStyle.cssString(title),
                                 labels: CatalogueLabels(.zh))
        h += """
            h1 { text-align: center; font-size: 16pt; margin: 0 0 4mm; }
            table { border-collapse: collapse; width: 100%; font-size: 9pt; }
            th, td { text-align: left; vertical-align: top; padding: 0.8mm 2mm; overflow-wrap: anywhere; }
            table.entries th, table.entries td { border: 0.6pt solid #000; }
            .hex { font-family: \(CatalogueStyle.mono); font-size: 7.5pt; word-break: break-all; }
            .check { display: flex; gap: 5mm; margin-top: 5mm; break-inside: avoid; font-size: 9pt; }
            svg.qr { flex: none; }

            """
        h += "</style>\n</head>\n<body>\n<h1>\(e(title))</h1>\n<table class=\"fields\">\n"
        func field(_ label: String, _ value: String) { h += "<tr><th scope=\"row\">\(e(label))</th><td>\(value)</td></tr>\n" }
        field("合同 / Contract", t(check.contract))
        field("检查点 / Checkpoint", e("tree size \(check.treeSize ?? 0)"))
        field("见证人 / Witnesses", t(check.cosigners.isEmpty ? "—" : check.cosigners.joined(separator: ", ")))
        field("索引见证 / Index vouched by", t(check.restsOnBankIndex ? "— (the log's own signature)" : check.indexVouchedBy.joined(separator: ", ")))
        if let stamped = check.timestampTime { field("时间戳 / Timestamp", e(stamped)) }
        h += "</table>\n<table class=\"entries\">\n<thead><tr><th>seq</th><th>id / stage</th><th>digest</th><th>logged</th></tr></thead>\n<tbody>\n"
        for entry in check.entries {
            let r = entry.record
            h += "<tr><td>\(entry.seq)</td><td>\(t(r["id"]?.stringValue ?? ""))<br>\(t(r["stage"]?.stringValue ?? ""))</td>"
            h += "<td>\(t(r["alg"]?.stringValue ?? ""))<div class=\"hex\">\(t(r["digest"]?.stringValue ?? ""))</div></td>"
            h += "<td>\(e(entry.time))</td></tr>\n"
        }
        h += "</tbody>\n</table>\n<p>\(e("证明 / Proves: " + check.proves))</p>\n"
        h += "<p>\(e("不证明 / Does not prove: " + ReceiptCheck.doesNotProve))</p>\n"
        h += "<section class=\"check\">\n" + qr.svg(side: "40mm", label: e("receipt QR code")) + "<div>"
        h += "<p>\(e("receipt file SHA-256:"))<div class=\"hex\">\(e(fileDigest))</div></p>"
        h += "<p>\(e("To check: evverify check-receipt FILE with the log's and the witnesses' public keys; compare the file's SHA-256 with the one above."))</p>"
        h += "</div>\n</section>\n</body>\n</html>\n"
        return Array(h.utf8)
    }
}
