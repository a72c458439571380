import Glibc
import Dispatch
import Synchronization

/// Maps a batch on every core while keeping input order: workers claim the
/// next index from a shared counter (so one large file does not hold up the
/// rest), each with its own scratch state (digest contexts, buffers).
public enum ParallelMap {
    public static var defaultWorkers: Int { max(1, activeProcessorCount()) }

    public static func map<Input, Output, State>(
        _ inputs: [Input], workers: Int = defaultWorkers,
        state makeState: () -> State,
        _ transform: (inout State, Input) -> Output
    ) -> [Output] {
        if inputs.isEmpty { return [] }
        let slots = UnsafeMutableBufferPointer<Output?>.allocate(capacity: inputs.count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        let next = Mutex(0)
        let count = min(workers, inputs.count)
        withoutActuallyEscaping(makeState) { makeState in
            withoutActuallyEscaping(transform) { transform in
                let run = { (_: Int) in
                    var state = makeState()
                    while true {
                        let i = next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard i < inputs.count else { return }
                        slots[i] = transform(&state, inputs[i])
                    }
                }
                if count == 1 {
                    run(0)
                } else {
                    // Each worker touches only the slots it claimed; the
                    // counter is the only shared mutable state.
                    let box = UncheckedSendable(run)
                    DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
                }
            }
        }
        return slots.map { $0! }
    }

    private static func activeProcessorCount() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// Runs `transform` over `input` on all cores, keeping order (workers claim
/// items one at a time, so one slow element does not idle the others); the
/// error thrown is the earliest item's.
public func parallelMap<T, R>(_ input: [T], _ transform: (T) throws -> R) throws -> [R] {
    try ParallelMap.map(input, state: { () }) { _, item in Result { try transform(item) } }.map { try $0.get() }
}

/// Streams chunks through `transform` on all cores while the calling thread
/// reads the next chunk and writes the previous results: reading (JSON,
/// canonical form, digests) and writing (base64, JSON) would otherwise
/// leave a core idle between chunks. At most two chunks are in flight, and
/// results are consumed in input order.
public func pipelinedMap<T, R>(next: () throws -> [T], transform: @escaping @Sendable (T) throws -> R,
                               consume: ([R]) throws -> Void) throws {
    var inflight: PipelineStage<T, R>?
    while true {
        let batch = try next()
        let started = batch.isEmpty ? nil : PipelineStage(batch, transform)
        if let previous = inflight { try consume(try previous.wait()) }
        guard let started else { break }
        inflight = started
    }
}

private final class PipelineStage<T, R>: @unchecked Sendable {
    // @unchecked: `result` is written by the one async block before
    // `group` is left, and read only after `wait()`.
    private let group = DispatchGroup()
    private let batch: [T]
    private let transform: @Sendable (T) throws -> R
    private var result: Result<[R], Error> = .success([])

    init(_ batch: [T], _ transform: @escaping @Sendable (T) throws -> R) {
        self.batch = batch
        self.transform = transform
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { try parallelMap(self.batch, self.transform) }
            group.leave()
        }
    }

    func wait() throws -> [R] {
        group.wait()
        return try result.get()
    }
}

/// Shared state of one `parallelMap`: each stripe writes disjoint slots,
/// which is why the unchecked Sendable is sound.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

