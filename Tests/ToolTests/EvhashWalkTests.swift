import Foundation
import Testing

/// `evhash --walk` (issue 21 item 1): a folder tree in, the records a
/// manifest would give out, ids `contract/stage/<path below the stage>`,
/// sorted by path; links and files outside the layout refused.
@Suite struct EvhashWalkTests {
    let dir: TemporaryDirectory

    /// 3 contracts × stages, with `还款记录-01.json` in two year folders
    /// of one stage (a manifest's default ids would collide).
    init() throws {
        dir = try TemporaryDirectory()
        for contract in ["C2025-0001", "C2025-0002", "C2025-0003"] {
            try dir.write("tree/\(contract)/esign/contract.pdf", "%PDF-1.7 \(contract)\n")
            try dir.write("tree/\(contract)/face/face.json", #"{"score":0.98,"c":"\#(contract)"}"#)
            try dir.write("tree/\(contract)/performance/2025/还款记录-01.json", #"{"y":2025,"c":"\#(contract)"}"#)
            try dir.write("tree/\(contract)/performance/2026/还款记录-01.json", #"{"y":2026,"c":"\#(contract)"}"#)
        }
    }

    func sh(_ script: String) throws -> ToolResult {
        try Tools.runExecutable("/bin/bash", ["-c", "set -o pipefail\nPATH=\"\(Tools.binDirectory.path):$PATH\"\n" + script], directory: dir.url)
    }

    @Test func recordsEqualAManifestsWithIDsBelowTheStage() throws {
        let walked = try Tools.run("evhash", ["--walk", "tree", "--alg", "sha256,sm3", "--keep", "path,name", "--source", "core-banking"], directory: dir.url)
        #expect(walked.status == 0, "\(walked.stderr)")
        let ids = walked.objects.map { $0["id"] as? String ?? "" }
        #expect(ids.count == 12)
        #expect(ids.contains("C2025-0002/performance/2025/还款记录-01.json"))
        #expect(ids.contains("C2025-0002/performance/2026/还款记录-01.json"))
        #expect(ids == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // The same files through a manifest give the same records.
        let manifest = walked.objects.map { o in
            #"{"id":"\#(o["id"]!)","contract":"\#(o["contract"]!)","stage":"\#(o["stage"]!)","path":"\#(o["path"]!)","source":"core-banking"}"#
        }.joined(separator: "\n") + "\n"
        let listed = try Tools.run("evhash", ["--root", "tree", "--alg", "sha256,sm3", "--keep", "path,name"], stdin: manifest, directory: dir.url)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.out == walked.out)
        // Two runs, one output.
        #expect(try Tools.run("evhash", ["--walk", "tree", "--alg", "sha256,sm3", "--keep", "path,name", "--source", "core-banking"], directory: dir.url).out == walked.out)
        #expect(walked.objects.allSatisfy { $0["time"] == nil && $0["source"] as? String == "core-banking" })
    }

    @Test func timeIsTheModificationTimeOrOneGivenTime() throws {
        let file = dir.file("tree/C2025-0001/esign/contract.pdf")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_744_812_153)], ofItemAtPath: file.path)
        let r = try Tools.run("evhash", ["--walk", "tree", "--time", "mtime"], directory: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.first { $0["id"] as? String == "C2025-0001/esign/contract.pdf" }?["time"] as? String == "2025-04-16T14:02:33Z")
        let fixed = try Tools.run("evhash", ["--walk", "tree", "--time", "2025-04-16T22:02:33+08:00"], directory: dir.url)
        #expect(Set(fixed.objects.map { $0["time"] as? String }) == ["2025-04-16T14:02:33Z"])
        let bad = try Tools.run("evhash", ["--walk", "tree", "--time", "yesterday"], directory: dir.url)
        #expect(bad.status == 2 && bad.stdout.isEmpty)
    }

    @Test func nightlyWalkIntoAppendLogsEachFileOnce() throws {
        #expect(try Tools.run("evchain", ["init", dir.file("chain.jsonl").path, "--origin", "bank.example/evidence"]).status == 0)
        let night = "evhash --walk tree --time mtime --source core-banking | evchain append chain.jsonl"
        let first = try sh(night)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.objects.count == 12 && first.objects.allSatisfy { $0["existing"] == nil })
        let second = try sh(night)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.objects.count == 12 && second.objects.allSatisfy { $0["existing"] as? Bool == true })
        try dir.write("tree/C2025-0003/performance/2026/还款记录-02.json", #"{"y":2026,"n":2}"#)
        let third = try sh(night)
        #expect(third.status == 0, "\(third.stderr)")
        let new = third.objects.filter { $0["existing"] == nil }
        #expect(new.map { $0["id"] as? String } == ["C2025-0003/performance/2026/还款记录-02.json"])
        #expect(new.first?["seq"] as? Int == 12)
        // The logged digests are sha256sum's of the files.
        let shown = try Tools.run("evchain", ["show", "chain.jsonl"], directory: dir.url)
        #expect(shown.objects.count == 13)
        for entry in shown.objects {
            let record = try #require(entry["record"] as? [String: Any])
            let id = try #require(record["id"] as? String)
            let sum = try Tools.runExecutable("sha256sum", ["tree/" + id], directory: dir.url)
            #expect(record["digest"] as? String == String(sum.out.prefix(64)), "\(id)")
        }
    }

    @Test func linksAndFilesOutsideTheLayoutAreRefused() throws {
        try dir.write("outside.pdf", "secret\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/C2025-0001/esign/link.pdf").path, withDestinationPath: dir.file("outside.pdf").path)
        let link = try Tools.run("evhash", ["--walk", "tree"], directory: dir.url)
        #expect(link.status == 2 && link.stdout.isEmpty)
        #expect(link.stderr.contains("tree/C2025-0001/esign/link.pdf") && link.stderr.contains("symbolic link"), "\(link.stderr)")
        try FileManager.default.removeItem(at: dir.file("tree/C2025-0001/esign/link.pdf"))
        // A folder link would lead out of the tree as well.
        try FileManager.default.createSymbolicLink(atPath: dir.file("tree/C2025-0001/liveness").path, withDestinationPath: dir.url.path)
        #expect(try Tools.run("evhash", ["--walk", "tree"], directory: dir.url).status == 2)
        try FileManager.default.removeItem(at: dir.file("tree/C2025-0001/liveness"))

        try dir.write("tree/C2025-0001/notes.txt", "loose\n")
        let loose = try Tools.run("evhash", ["--walk", "tree"], directory: dir.url)
        #expect(loose.status == 2 && loose.stdout.isEmpty)
        #expect(loose.stderr.contains("tree/C2025-0001/notes.txt") && loose.stderr.contains("--skip-outside"), "\(loose.stderr)")
        let skipped = try Tools.run("evhash", ["--walk", "tree", "--skip-outside"], directory: dir.url)
        #expect(skipped.status == 0 && skipped.objects.count == 12)
        #expect(skipped.stderr.contains("skipped") && skipped.stderr.contains("notes.txt"), "\(skipped.stderr)")
        try FileManager.default.removeItem(at: dir.file("tree/C2025-0001/notes.txt"))

        // A FIFO would block the walk, a device leads elsewhere: refused.
        #expect(mkfifo(dir.file("tree/C2025-0001/esign/pipe").path, 0o600) == 0)
        let fifo = try Tools.run("evhash", ["--walk", "tree"], directory: dir.url)
        #expect(fifo.status == 2 && fifo.stderr.contains("tree/C2025-0001/esign/pipe"), "\(fifo.stderr)")
        try FileManager.default.removeItem(at: dir.file("tree/C2025-0001/esign/pipe"))

        try dir.write("tree/C2025-0001/E-Sign/x.pdf", "x\n")
        let stage = try Tools.run("evhash", ["--walk", "tree", "--skip-outside"], directory: dir.url)
        #expect(stage.status == 2 && stage.stderr.contains("\"E-Sign\" is not a stage"), "\(stage.stderr)")
    }

    @Test func layoutsOtherThanTheDefault() throws {
        try dir.write("by-stage/esign/C1/a.pdf", "a\n")
        try dir.write("by-stage/esign/C2/a.pdf", "b\n")
        let r = try Tools.run("evhash", ["--walk", "by-stage", "--layout", "{stage}/{contract}/**"], directory: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.map { $0["id"] as? String } == ["C1/esign/a.pdf", "C2/esign/a.pdf"])
        // Sorted by the whole path's bytes, not folder by folder: "a.b/x" before "a/y".
        try dir.write("by-stage/esign/C3/a/y", "y\n")
        try dir.write("by-stage/esign/C3/a.b/x", "x\n")
        let sorted = try Tools.run("evhash", ["--walk", "by-stage", "--layout", "{stage}/{contract}/**"], directory: dir.url)
        #expect(sorted.objects.map { $0["id"] as? String } == ["C1/esign/a.pdf", "C2/esign/a.pdf", "C3/esign/a.b/x", "C3/esign/a/y"])
        for bad in ["{contract}/**", "{contract}/{stage}", "{contract}/{stage}/*.pdf/**", "{contract}/{contract}/**"] {
            let refused = try Tools.run("evhash", ["--walk", "by-stage", "--layout", bad], directory: dir.url)
            #expect(refused.status == 2, "\(bad)")
        }
        // Walk options without --walk, or --walk with a manifest, are refused.
        #expect(try Tools.run("evhash", ["--source", "x"], stdin: "", directory: dir.url).status == 2)
        #expect(try Tools.run("evhash", ["--walk", "tree", "--manifest", "-"], directory: dir.url).status == 2)
        #expect(try Tools.run("evhash", ["--walk", "tree", "--root", "tree"], directory: dir.url).status == 2)
    }
}
