import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

struct Tiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the log as C2SP tlog-tiles.")
    @Argument(help: "The chain.") var chain: String
    @Option(help: ArgumentHelp("Export directory.", valueName: "dir")) var out: String
    @Option(help: ArgumentHelp("Export up to this checkpoint (default: CHAIN.checkpoint).", valueName: "file")) var checkpoint: String?

    @OptionGroup var progressOption: ProgressOption

    func run() throws {
        let progress = Progress(label: "exporting tiles", progressOption)
        defer { progress.finish() }
        let store = try ChainStore(path: chain, access: .read)
        let cp = try store.matchCheckpoint(try checkpoint.map(DurableFile.readAll))
        progress.setTotal(items: Int(cp.checkpoint.size))
        let export = try store.exportTiles(to: out, checkpoint: cp, progress: progress.handler)
        if export.leftoversRemoved > 0 {
            Diagnostics.warn("\(out): removed \(export.leftoversRemoved) temporary file\(export.leftoversRemoved == 1 ? "" : "s") left by an interrupted export")
        }
        var o = JSONObject()
        o["tree_size"] = .number(Double(export.treeSize))
        o["previous_size"] = .number(Double(export.previousSize))
        o["files_written"] = .number(Double(export.filesWritten))
        StandardOutput.shared.writeLine(.object(o))
    }
}
