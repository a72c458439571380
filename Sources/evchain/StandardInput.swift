import Glibc
import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidenceSupport

func readStandardInput() throws -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; throw EvidenceError.io("read error", at: "stdin") }
        if n == 0 { return out }
        out += buffer[0..<n]
        if out.count > 1 << 20 { throw EvidenceError.input("input larger than 1 MiB", at: "stdin") }
    }
}
