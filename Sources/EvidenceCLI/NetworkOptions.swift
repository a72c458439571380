import ArgumentParser

/// How a tool that takes URLs (`--tiles`, `--tsa-url`) reaches them: which
/// CAs HTTPS trusts, and how long the run's requests may take in all.
public struct NetworkOptions: ParsableArguments {
    public init() {}

    @Option(help: ArgumentHelp("CA certificates (PEM) that https:// servers must chain to, instead of the system's.", valueName: "file"))
    public var cacert: String?

    @Option(help: ArgumentHelp("Seconds all HTTP(S) requests of the run may take together (default: \(HTTPClient.defaultTimeout)).", valueName: "seconds"),
            transform: IntegerOption.parser(1...86_400))
    public var timeout: Int?

    /// A client whose time budget starts now.
    public func client() -> HTTPClient {
        HTTPClient(caFile: cacert, timeout: timeout ?? HTTPClient.defaultTimeout)
    }
}
