import Testing
@testable import EvidenceSupport

/// append's writer: a job's error reaches the caller at the next `wait` or
/// `start`, never lost, and jobs run one at a time in order.
@Suite struct BackgroundJobTests {
    struct Failed: Error, Equatable { let n: Int }

    @Test func errorsReachTheCallerAndJobsRunInOrder() throws {
        let job = BackgroundJob()
        let log = Log()
        for n in 0 ..< 50 { try job.start { log.add(n) } }
        try job.wait()
        #expect(log.values == Array(0 ..< 50))

        try job.start { throw Failed(n: 1) }
        #expect(throws: Failed(n: 1)) { try job.wait() }
        // Reported once: the job after it runs.
        try job.start { log.add(99) }
        try job.wait()
        #expect(log.values.last == 99)

        // An error not waited for is thrown by the next start, which then does not run its job.
        try job.start { throw Failed(n: 2) }
        #expect(throws: Failed(n: 2)) { try job.start { log.add(100) } }
        try job.wait()
        #expect(log.values.last == 99)
    }

    final class Log: @unchecked Sendable {
        // Written by one job at a time, read after `wait`.
        var values: [Int] = []
        func add(_ n: Int) { values.append(n) }
    }
}
