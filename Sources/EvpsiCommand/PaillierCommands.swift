import ArgumentParser
import EvidenceCLI
import EvidenceCore
import EvidencePSI
import EvidenceSupport

struct PaillierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paillier",
        abstract: "Paillier keys and ciphertexts in python-paillier's (pheutil) JSON.",
        subcommands: [Keygen.self, Public.self, Encrypt.self, Decrypt.self, Add.self])

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a private key file (0600).")
        @Option(help: ArgumentHelp("Modulus size in bits: even, 2048…8192.", valueName: "bits"))
        var bits = paillierMinimumBits
        @Flag(name: .customLong("insecure-test-key"), help: "Allow a modulus of 64 to 2046 bits (tests only).")
        var insecure = false
        @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("Private key file to create (never overwritten).", valueName: "file"))
        var out: String

        func validate() throws {
            guard ((insecure ? 64 : paillierMinimumBits)...paillierMaximumBits).contains(bits), bits % 2 == 0 else {
                throw ValidationError("--bits \(bits) refused: must be even and in \(paillierMinimumBits)…\(paillierMaximumBits) (from 64 with --insecure-test-key)")
            }
        }

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "paillier keygen", progressOption)
            defer { progress.finish() }
            let key = try PaillierPrivateKey.generate(bits: bits, allowInsecure: insecure)
            try SecretFile.writeJSON(out, key.jwk())
        }
    }

    struct Public: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the public key of a private key file.")
        @Argument(help: ArgumentHelp("Private key file.", valueName: "file"))
        var key: String
        @Flag(name: .customLong("insecure-test-key"), help: "Accept a key below 2048 bits (tests only).")
        var insecure = false

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "paillier public", progressOption)
            defer { progress.finish() }
            StandardOutput.shared.writeLine(try PaillierPrivateKey.load(key, allowInsecure: insecure).publicKey.jwk())
        }
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encrypt the --field integer of each input line; prints {\"v\",\"e\"} lines.")
        @Option(name: .customLong("public"), help: ArgumentHelp("Public key file (or a private key file).", valueName: "file"))
        var publicKey: String?
        @Option(help: ArgumentHelp("Private key file (0600): the key holder encrypts by CRT, about 3× faster.", valueName: "file"))
        var key: String?
        @Option(help: ArgumentHelp("Field holding the integer.", valueName: "field"))
        var field = "value"
        @Flag(name: .customLong("insecure-test-key"), help: "Accept a key below 2048 bits (tests only).")
        var insecure = false
        @Argument(help: ArgumentHelp("Input files (JSON Lines); none reads stdin.", valueName: "file"))
        var files: [String] = []

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "paillier encrypt", progressOption)
            defer { progress.finish() }
            guard (publicKey == nil) != (key == nil) else { throw ValidationError("give one of --public and --key") }
            let sk = try key.map { try PaillierPrivateKey.load($0, allowInsecure: insecure) }
            let pk = try sk?.publicKey ?? loadPaillierPublicKey(publicKey!, allowInsecure: insecure)
            let lines = try readLines(files)
            let out = try parallelMap(lines) { (o, at) -> JSONValue in
                let v = try bigIntValue(o[field], field: field, at: at)
                do { return pk.json(try sk?.encrypt(v) ?? pk.encrypt(v)) } catch let e as EvidenceError { throw e.located(at) }
            }
            for o in out { StandardOutput.shared.writeLine(o) }
        }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt {\"v\",\"e\"} lines; prints {\"value\": n} lines.")
        @Option(help: ArgumentHelp("Private key file (0600).", valueName: "file"))
        var key: String
        @Flag(name: .customLong("insecure-test-key"), help: "Accept a key below 2048 bits (tests only).")
        var insecure = false
        @Argument(help: ArgumentHelp("Ciphertext files (JSON Lines); none reads stdin.", valueName: "file"))
        var files: [String] = []

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "paillier decrypt", progressOption)
            defer { progress.finish() }
            let sk = try PaillierPrivateKey.load(key, allowInsecure: insecure)
            let lines = try readLines(files)
            let out = try parallelMap(lines) { (o, at) -> JSONValue in
                do {
                    let c = try sk.publicKey.ciphertext(json: .object(o))
                    return .object(["value": jsonInteger(try sk.decrypt(c))])
                } catch let e as EvidenceError { throw e.located(at) }
            }
            for o in out { StandardOutput.shared.writeLine(o) }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add two ciphertext files line by line (homomorphically).")
        @Option(name: .customLong("public"), help: ArgumentHelp("Public key file.", valueName: "file"))
        var publicKey: String
        @Flag(name: .customLong("insecure-test-key"), help: "Accept a key below 2048 bits (tests only).")
        var insecure = false
        @Argument(help: ArgumentHelp("Two ciphertext files.", valueName: "file"))
        var files: [String]

        func validate() throws {
            guard files.count == 2 else { throw ValidationError("add takes exactly two ciphertext files") }
        }

        @OptionGroup var progressOption: ProgressOption

        func run() throws {
            let progress = Progress(label: "paillier add", progressOption)
            defer { progress.finish() }
            let pk = try loadPaillierPublicKey(publicKey, allowInsecure: insecure)
            let a = try JSONLinesReader.open(files[0]), b = try JSONLinesReader.open(files[1])
            var pairs: [(JSONObject, String, JSONObject, String)] = []
            while true {
                let x = try a.nextObject(), y = try b.nextObject()
                if x == nil && y == nil { break }
                guard let x, let y else { throw EvidenceError.input("the two files have different numbers of lines") }
                pairs.append((x, a.location, y, b.location))
            }
            // Decimal conversion and validation dominate: do them on all cores.
            let sums = try parallelMap(pairs) { (x, xAt, y, yAt) -> JSONValue in
                let cx: PaillierCiphertext, cy: PaillierCiphertext
                do { cx = try pk.ciphertext(json: .object(x)) } catch let e as EvidenceError { throw e.located(xAt) }
                do { cy = try pk.ciphertext(json: .object(y)) } catch let e as EvidenceError { throw e.located(yAt) }
                return pk.json(pk.add(cx, cy))
            }
            for line in sums { StandardOutput.shared.writeLine(line) }
        }
    }
}
