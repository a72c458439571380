import EvidenceLog
import EvidenceSupport

/// `--tiles DIR|URL`: the files of a published tlog-tiles directory, read
/// from the file system or with plain HTTP GET (`http://…`).
public enum TileSource {
    public static func fetch(_ location: String) -> TileFetch {
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        if base.hasPrefix("http://") {
            return { path in try HTTPClient.get(url: "\(base)/\(path)") }
        }
        return { path in
            let file = "\(base)/\(path)"
            return DurableFile.exists(file) ? try DurableFile.readAll(file) : nil
        }
    }
}
