import Foundation
import Testing
@testable import EvidenceSupport

/// The operator's and the notary's day end to end (issue 21): a folder tree
/// of 3 contracts with the same file name in two year folders is sealed
/// twice with `evhash --walk | evchain append` (the second run logs nothing
/// again), checkpointed and cosigned; one contract's originals are verified
/// and certified; the certificate is printed (保管单) and its PDF holds the
/// serial and every item.
@Suite struct OperatorDayTests {
    @Test(.disabled(if: EvcatalogPrintTests.skip, "chromium or pdftotext is not installed (apt-get install chromium poppler-utils fonts-noto-cjk); with CI=true this test runs regardless"))
    func aTreeSealedTwiceVerifiedCertifiedAndPrinted() throws {
        let dir = try TemporaryDirectory()
        for contract in ["C2025-0001", "C2025-0002", "C2025-0003"] {
            try dir.write("tree/\(contract)/esign/contract.pdf", "%PDF-1.7 \(contract)\n")
            try dir.write("tree/\(contract)/face/face.json", #"{"score":0.98,"c":"\#(contract)"}"#)
            try dir.write("tree/\(contract)/performance/2025/还款记录-01.json", #"{"y":2025,"c":"\#(contract)"}"#)
            try dir.write("tree/\(contract)/performance/2026/还款记录-01.json", #"{"y":2026,"c":"\#(contract)"}"#)
            try dir.write("tree/\(contract)/default/notice.json", #"{"notice":"\#(contract)"}"#)
        }
        func sh(_ script: String) throws -> ToolResult {
            let r = try Tools.runExecutable("/bin/bash", ["-c", "set -euo pipefail\nPATH=\"\(Tools.binDirectory.path):$PATH\"\n" + script],
                                            directory: dir.url)
            try #require(r.status == 0, "\(script)\n\(r.stderr)")
            return r
        }
        _ = try sh("""
            evchain init bank.chain --origin bank.example/evidence/2026
            evchain keygen --name bank.example/evidence/2026 --out log.key > /dev/null
            evchain keygen --witness --name notary.example/witness --out notary.key > /dev/null
            evchain keygen --name notary.example/custody --out custody.key > /dev/null
            mkdir notary-state
            """)
        let night = "evhash --walk tree --time mtime --source core-banking | evchain append bank.chain"
        let first = try sh(night), second = try sh(night)
        #expect(first.objects.count == 15 && first.objects.allSatisfy { $0["existing"] == nil })
        #expect(second.objects.count == 15 && second.objects.allSatisfy { $0["existing"] as? Bool == true })
        _ = try sh("""
            evchain checkpoint bank.chain --key log.key --out checkpoint.signed
            evchain cosign --witness-key notary.key --log-key log.key.pub --state notary-state --init \\
                < checkpoint.signed > checkpoint.cosigned
            evchain keep bank.chain checkpoint.cosigned
            """)
        // One contract's originals, named as the walk named them.
        let items = try sh("""
            cd tree && find C2025-0002 -type f | LC_ALL=C sort | while read -r p; do
                IFS=/ read -r contract stage rest <<< "$p"
                printf '{"id":"%s","contract":"%s","stage":"%s","path":"%s"}\\n' "$p" "$contract" "$stage" "$p"
            done
            """).stdout
        try dir.write("C2025-0002.jsonl", items)
        let trust = "--log-key log.key.pub --index-witness notary.key.pub"
        let verdicts = try sh("evverify --chain bank.chain --checkpoint checkpoint.cosigned \(trust) --root tree --complete < C2025-0002.jsonl")
        #expect(verdicts.objects.count == 5 && verdicts.objects.allSatisfy { $0["status"] as? String == "ok" }, "\(verdicts.out)")
        _ = try sh("""
            evverify certify --chain bank.chain --checkpoint checkpoint.cosigned \(trust) --root tree --complete \\
                --issuer-key custody.key --out C2025-0002.cert.json < C2025-0002.jsonl
            evverify check-cert C2025-0002.cert.json --issuer-key custody.key.pub \(trust) --format html > C2025-0002.html
            chromium --headless --no-sandbox --log-level=3 --print-to-pdf=C2025-0002.pdf C2025-0002.html
            """)
        let certificate = try JSON.parse(Array(try Data(contentsOf: dir.file("C2025-0002.cert.json"))))
        let serial = try #require(certificate["serial"]?.stringValue)
        let text = try Tools.runExecutable("pdftotext", ["-enc", "UTF-8", "C2025-0002.pdf", "-"], directory: dir.url)
        #expect(text.status == 0)
        let flat = text.out.filter { !$0.isWhitespace }
        #expect(flat.contains(serial), "the serial is not in the PDF")
        let ids = String(decoding: items, as: UTF8.self).split(separator: "\n").compactMap { (try? JSON.parse(Array($0.utf8)))?["id"]?.stringValue }
        #expect(ids.count == 5 && ids.contains("C2025-0002/performance/2025/还款记录-01.json"))
        for id in ids { #expect(flat.contains(id), "\(id) is not in the PDF") }
    }
}
