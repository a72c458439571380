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
        var states = (0 ..< max(1, min(workers, inputs.count))).map { _ in makeState() }
        return map(inputs, states: &states, transform)
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

extension ParallelMap {
    /// `map` with one worker per element of `states`, each using its own
    /// state, which outlives the call: a pipeline reuses its digest contexts
    /// and buffers from batch to batch.
    public static func map<Input, Output, State>(
        _ inputs: [Input], states: inout [State],
        _ transform: (inout State, Input) -> Output
    ) -> [Output] {
        if inputs.isEmpty { return [] }
        precondition(!states.isEmpty, "no worker state")
        let slots = UnsafeMutableBufferPointer<Output?>.allocate(capacity: inputs.count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        let next = Mutex(0)
        let count = min(states.count, inputs.count)
        states.withUnsafeMutableBufferPointer { buffer in
            let states = buffer
            withoutActuallyEscaping(transform) { transform in
                let run = { (worker: Int) in
                    while true {
                        let i = next.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard i < inputs.count else { return }
                        slots[i] = transform(&states[worker], inputs[i])
                    }
                }
                if count == 1 {
                    run(0)
                } else {
                    // Worker w touches only states[w] and the slots it claimed.
                    let box = UncheckedSendable(run)
                    DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
                }
            }
        }
        return slots.map { $0! }
    }
}

/// Streams batches through `transform` on all cores while the calling
/// thread reads the next batch and consumes the previous results: reading
/// (JSON Lines), the work (parsing, canonical form, digests) and writing
/// (records, files) would otherwise leave a core idle between batches.
///
/// The one pipeline of the code base. `next` is called on the calling
/// thread and returns a batch (empty at the end); its items are mapped on
/// `workers` workers, each with a state made once by `state` and reused for
/// every batch (digest contexts, buffers); `consume` gets each batch's
/// results in input order, on the calling thread, while the next batch is
/// being mapped. At most one batch is mapped at a time and one read ahead.
/// Nothing runs in the background once this returns or throws.
public func pipelinedMap<T, State, R>(
    workers: Int = ParallelMap.defaultWorkers,
    next: () throws -> [T],
    state makeState: () -> State,
    transform: (inout State, T) -> R,
    consume: ([R]) throws -> Void
) throws {
    let states = StatesBox((0..<max(workers, 1)).map { _ in makeState() })
    try withoutActuallyEscaping(transform) { transform in
        let work = UncheckedSendable(transform)
        var inflight: PipelineStage<R>? = nil
        // An error (in next or consume) must not leave a batch being mapped
        // with closures that are about to go away.
        defer { inflight?.wait() }
        while true {
            let batch = try next()
            let finished = inflight?.wait()
            inflight = nil
            if !batch.isEmpty {
                let items = UncheckedSendable(batch)
                inflight = PipelineStage { ParallelMap.map(items.value, states: &states.value, work.value) }
            }
            if let finished { try consume(finished) }
            if inflight == nil { break }
        }
    }
}

/// `pipelinedMap` for an item-by-item throwing transform without state;
/// the error thrown is the earliest failing item's, after the batches
/// before it were consumed.
public func pipelinedMap<T, R>(next: () throws -> [T], transform: @escaping @Sendable (T) throws -> R,
                               consume: ([R]) throws -> Void) throws {
    try pipelinedMap(next: next, state: { () }, transform: { _, item in Result { try transform(item) } },
                     consume: { results in try consume(try results.map { try $0.get() }) })
}

/// The worker states of one pipeline; only the one batch being mapped uses them.
private final class StatesBox<State>: @unchecked Sendable {
    var value: [State]
    init(_ value: [State]) { self.value = value }
}

private final class PipelineStage<R>: @unchecked Sendable {
    // @unchecked: `work` and `result` are used by the one async block
    // before `group` is left, and by others only after `wait()`.
    private let group = DispatchGroup()
    private var work: (() -> [R])?
    private var result: [R] = []

    init(_ work: @escaping () -> [R]) {
        self.work = work
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = self.work!()
            // Dropped before `wait()` returns: the closures it captured are
            // the caller's, lent with `withoutActuallyEscaping`.
            self.work = nil
            group.leave()
        }
    }

    @discardableResult
    func wait() -> [R] {
        group.wait()
        return result
    }
}

/// Shared state of one `parallelMap`: each stripe writes disjoint slots,
/// which is why the unchecked Sendable is sound.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

