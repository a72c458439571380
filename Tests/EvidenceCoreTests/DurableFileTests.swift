import Foundation
import Glibc
import Testing
@testable import EvidenceSupport

/// `DurableFile` (EvidenceSupport/Files/DurableFile.swift): whole-file
/// reads with a limit, atomic replace, create that never overwrites.
@Suite struct DurableFileTests {
    let scratch = ScratchDirectory("durable")
    var dir: String { scratch.path }

    @Test func readAllReadsWholeFileAndRefusesPastTheLimit() throws {
        let path = dir + "/f"
        let bytes = (0..<100_000).map { UInt8($0 % 251) }
        try DurableFile.replace(path, with: bytes)
        #expect(try DurableFile.readAll(path) == bytes)
        do {
            _ = try DurableFile.readAll(path, limit: 99_999)
            Issue.record("read past the limit")
        } catch let e as EvidenceError {
            #expect(e.kind == .input)
            #expect("\(e)".contains("larger than 99999 bytes"))
        }
        #expect(throws: EvidenceError.self) { _ = try DurableFile.readAll(dir + "/absent") }
    }

    @Test func readToEndOfAPipeRefusesPastTheLimit() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let data = [UInt8](repeating: 65, count: 1000)
        _ = data.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(throws: EvidenceError.self) { _ = try DurableFile.readToEnd(fd: fds[0], name: "stdin", limit: 999) }
    }

    @Test func replaceLeavesOnlyTheNewFile() throws {
        let path = dir + "/state"
        try DurableFile.replace(path, with: Array("old".utf8))
        try DurableFile.replace(path, with: Array("new".utf8), mode: 0o600)
        #expect(try DurableFile.readAll(path) == Array("new".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state"])
        #expect(try DurableFile(path, flags: O_RDONLY).mode() & 0o777 == 0o600)
    }

    @Test func createNeverOverwritesAndSetsTheModeExactly() throws {
        let path = dir + "/key"
        try DurableFile.create(path, with: Array("secret".utf8), mode: 0o600)
        #expect(try DurableFile(path, flags: O_RDONLY).mode() & 0o777 == 0o600)
        #expect(throws: EvidenceError.self) { try DurableFile.create(path, with: Array("other".utf8), mode: 0o600) }
        #expect(try DurableFile.readAll(path) == Array("secret".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["key"])
    }

    /// A temporary name someone else holds is not removed by a failed create.
    @Test func createLeavesAForeignTemporaryAlone() throws {
        let path = dir + "/key"
        let foreign = "\(path).tmp.\(getpid())"
        try Data("theirs".utf8).write(to: URL(fileURLWithPath: foreign))
        #expect(throws: EvidenceError.self) { try DurableFile.create(path, with: Array("x".utf8), mode: 0o600) }
        #expect(try DurableFile.readAll(foreign) == Array("theirs".utf8))
        #expect(!DurableFile.exists(path))
    }

    @Test func positionalReadsAndWrites() throws {
        let file = try DurableFile(dir + "/p", flags: O_RDWR | O_CREAT)
        try file.write(Array("hello world".utf8), at: 0)
        try file.write(Array("W".utf8), at: 6)
        #expect(try file.read(at: 6, count: 5) == Array("World".utf8))
        #expect(try file.read(at: 9, count: 10) == Array("ld".utf8))
        #expect(try file.size() == 11)
        try file.truncate(to: 5)
        #expect(try file.size() == 5)
        #expect(DurableFile.directory(of: "/a/b") == "/a" && DurableFile.directory(of: "/b") == "/" && DurableFile.directory(of: "b") == ".")
    }
}
