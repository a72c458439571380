import EvidenceLog
import EvidenceSupport

/// `--tiles DIR|URL`: the files of a published tlog-tiles directory, read
/// from the file system or with HTTP(S) GET (`http://…`, `https://…`).
public enum TileSource {
    public static func fetch(_ location: String, client: HTTPClient) -> TileFetch {
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        if HTTPClient.handles(base) {
            return { path in try client.get(url: "\(base)/\(path)") }
        }
        return { path in
            let file = "\(base)/\(path)"
            return DurableFile.exists(file) ? try DurableFile.readAll(file) : nil
        }
    }
}
