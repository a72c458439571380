import Glibc

/// A mutual-exclusion lock for state a class keeps across threads (what
/// Foundation's NSLock gave, without Foundation): `withLock` runs its body
/// with the lock held.
public final class Lock: @unchecked Sendable {
    // @unchecked: the mutex is only used through pthread calls, which make
    // it safe from any thread; it lives at a fixed address, allocated once.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
