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

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

