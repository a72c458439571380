import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog
@testable import EvidencePSI
@testable import EvidenceCore
import FuzzSupport

/// A bounded, reproducible fuzz run of one parser: `iterations` mutants of
/// valid seed inputs, each of which must parse or be refused with an
/// `EvidenceError` — any other error is a defect, and a trap ends the run.
/// Its length and seed come from `FuzzSettings`; besides those,
///
///   EVIDENCE_FUZZ_LAST_INPUT  directory: each input is written to
///                             `<target>.last` there before it is parsed,
///                             so the input that trapped is left behind
///   EVIDENCE_FUZZ_REPORT      print how many mutants parsed, and the
///                             commonest refusals
struct FuzzCampaign {
    /// What the mutants did: parsed, or were refused with an `EvidenceError`.
    struct Tally {
        var accepted = 0
        var refused = 0
        var errors: [String: Int] = [:]
    }

    let target: String
    let seeds: [[UInt8]]

    var seed: UInt64 { FuzzSettings.seed(for: target) }

    /// Parses every seed unmutated (each must be accepted, or the campaign
    /// tests nothing), then `iterations` mutants.
    func run(iterations: Int = FuzzSettings.parserIterations, sourceLocation: SourceLocation = #_sourceLocation,
             _ parse: ([UInt8]) throws -> Void) -> Tally {
        for (i, seedInput) in seeds.enumerated() {
            do { try parse(seedInput) } catch {
                Issue.record("\(target): seed \(i) does not parse: \(error)", sourceLocation: sourceLocation)
            }
        }
        let lastInput = ProcessInfo.processInfo.environment["EVIDENCE_FUZZ_LAST_INPUT"].map { "\($0)/\(target).last" }
        var mutator = FuzzMutator(seed: seed)
        var tally = Tally()
        for iteration in 0..<iterations {
            let input = mutator.mutant(of: seeds)
            if let lastInput { try? Data(input).write(to: URL(fileURLWithPath: lastInput)) }
            do {
                try parse(input)
                tally.accepted += 1
            } catch let error as EvidenceError {
                tally.refused += 1
                tally.errors[Self.shape(error.message), default: 0] += 1
            } catch {
                Issue.record("\(target) iteration \(iteration) (seed \(seed)): threw \(type(of: error)) \(error), not an EvidenceError; input base64 \(Data(input).base64EncodedString())",
                             sourceLocation: sourceLocation)
            }
        }
        if ProcessInfo.processInfo.environment["EVIDENCE_FUZZ_REPORT"] != nil {
            print("fuzz \(target): \(iterations) mutants, \(tally.accepted) accepted, \(tally.refused) refused")
            for (message, n) in tally.errors.sorted(by: { $0.value > $1.value }).prefix(12) { print("  \(n)\t\(message)") }
        }
        return tally
    }

    /// An error message with its numbers and quoted parts blanked, to count kinds.
    static func shape(_ message: String) -> String {
        var out = ""
        var quoted = false
        for c in message.prefix(90) {
            if c == "\"" { quoted.toggle(); out.append(c); continue }
            if quoted { continue }
            out.append(c.isNumber ? "#" : c)
        }
        return out
    }
}
