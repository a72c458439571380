import Dispatch

/// One job at a time on another thread, for work the caller need not wait
/// for until later (append's writes of full buffers while the next ones
/// fill). `start` first waits for the previous job; `wait` rethrows the
/// job's error. Used from one thread.
public final class BackgroundJob: @unchecked Sendable {
    // @unchecked: `error` is written by the job before `group` is left and
    // read by the caller only after `wait()`.
    private let group = DispatchGroup()
    private var error: Error?
    private var running = false

    public init() {}

    /// Waits for the previous job (rethrowing its error), then starts `job`.
    public func start(_ job: @escaping () throws -> Void) throws {
        try wait()
        running = true
        let work = UncheckedSendable(job)
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do { try work.value() } catch { self.error = error }
            group.leave()
        }
    }

    /// Waits for the job started last, if any; rethrows its error.
    public func wait() throws {
        guard running else { return }
        group.wait()
        running = false
        if let failure = error {
            error = nil
            throw failure
        }
    }
}
