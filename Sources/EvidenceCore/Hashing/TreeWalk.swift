import CSystem
import Glibc
import EvidenceSupport

/// `evhash --walk`: a folder tree turned into the manifest lines a bank
/// would otherwise write by hand, which `ManifestHasher` then hashes as it
/// hashes any manifest (same records, digests, ids checked, keys, `--keep`).
public struct TreeWalk {
    /// Where a record's `time` comes from.
    public enum TimeSource: Sendable, Equatable {
        case none
        /// The file's modification time as the filesystem reports it, to
        /// the second: the bank's claim, not an attested time.
        case mtime
        case fixed(String)
    }

    public struct Options: Sendable {
        public var layout: TreeLayout
        public var source: String?
        public var time: TimeSource = .none
        /// Skip (and report) files outside the layout instead of stopping.
        public var skipOutside = false
        /// Give each record the id `contract/stage/<path below>`; without it
        /// (`--keep` without name) ids default as in a manifest.
        public var pathIDs = true

        public init(layout: TreeLayout) { self.layout = layout }
    }

    public let root: RootDirectory
    public let options: Options

    public init(root: RootDirectory, options: Options) {
        self.root = root
        self.options = options
    }

    /// The tree's manifest lines, one per file, sorted by path bytes so two
    /// runs over the same tree give the same lines. A symbolic link or any
    /// file that is not a regular file or folder is refused: the walk never
    /// leaves the tree. `report` is given each file skipped.
    public func manifest(report: (EvidenceError) -> Void) throws -> Listing {
        var files: [(path: String, mtime: Int64, size: Int)] = []
        try collect("", into: &files)
        files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var w = JSONWriter(capacity: files.count * 160)
        var listed = 0, size = 0
        for file in files {
            let shown = root.path + "/" + file.path
            let found: TreeLayout.Place?
            do { found = try options.layout.place(file.path) } catch var e as EvidenceError {
                e.location = shown
                throw e
            }
            guard let place = found else {
                guard options.skipOutside else {
                    throw EvidenceError.input("not in the layout \"\(options.layout.text)\": move it into a stage folder, or give \(Setting("skip-outside")) to skip such files", at: shown)
                }
                report(EvidenceError.input("skipped: not in the layout \"\(options.layout.text)\"", at: shown))
                continue
            }
            w.writeASCII("{")
            if options.pathIDs {
                w.writeASCII("\"id\":")
                w.writeString("\(place.contract)/\(place.stage)/\(place.below)")
                w.writeASCII(",")
            }
            w.writeASCII("\"contract\":"); w.writeString(place.contract)
            w.writeASCII(",\"stage\":"); w.writeString(place.stage)
            w.writeASCII(",\"path\":"); w.writeString(file.path)
            if let source = options.source { w.writeASCII(",\"source\":"); w.writeString(source) }
            switch options.time {
            case .none: break
            case .mtime: w.writeASCII(",\"time\":"); w.writeString(RFC3339.format(epochSeconds: file.mtime))
            case .fixed(let t): w.writeASCII(",\"time\":"); w.writeString(t)
            }
            w.writeASCII("}\n")
            listed += 1
            size += file.size
        }
        return Listing(lines: w.bytes, files: listed, bytes: size)
    }

    /// A walk's manifest lines and how much they list (for the ETA).
    public struct Listing {
        public var lines: [UInt8]
        public var files: Int
        public var bytes: Int
    }

    /// The manifest as a reader named after the tree (a line number in a
    /// message is the file's place in the walk's order). The lines are kept
    /// in an anonymous in-memory file so the hasher reads them exactly as
    /// it reads a manifest file.
    public func manifestReader(report: (EvidenceError) -> Void) throws -> (reader: JSONLinesReader, files: Int, bytes: Int) {
        let listing = try manifest(report: report)
        let bytes = listing.lines
        let fd = memfd_create("evhash-walk", 1 /* MFD_CLOEXEC */)
        guard fd >= 0 else { throw EvidenceError.io("cannot make an in-memory manifest: \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                throw EvidenceError.io("cannot write the in-memory manifest: \(message)")
            }
            done += n
        }
        lseek(fd, 0, SEEK_SET)
        let reader = JSONLinesReader(fd: fd, name: root.path, ownsDescriptor: true,
                                     maximumLineLength: JSONLinesReader.defaultMaximumLineLength)
        return (reader, listing.files, listing.bytes)
    }

    /// Adds the regular files under `relative` (a folder, "" the root).
    private func collect(_ relative: String, into files: inout [(path: String, mtime: Int64, size: Int)]) throws {
        let folder = relative.isEmpty ? root.path : root.path + "/" + relative
        guard let dir = opendir(folder) else {
            throw EvidenceError.io("cannot open folder: \(String(cString: strerror(errno)))", at: folder)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String? in
                String(validatingCString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard let name else {
                throw EvidenceError.input("a file name in this folder is not valid UTF-8: rename it", at: folder)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(root.path + "/" + path, &st) == 0 else {
                throw EvidenceError.io("cannot stat: \(String(cString: strerror(errno)))", at: root.path + "/" + path)
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: try collect(path, into: &files)
            case S_IFREG: files.append((path, Int64(st.st_mtim.tv_sec), Int(st.st_size)))
            case S_IFLNK:
                throw EvidenceError.input("symbolic link refused: the walk hashes only files inside the tree (copy the file in instead)", at: root.path + "/" + path)
            default:
                throw EvidenceError.input("not a regular file or folder: refused", at: root.path + "/" + path)
            }
        }
    }
}
