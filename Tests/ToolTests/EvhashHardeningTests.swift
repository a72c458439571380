import Foundation
import PythonHelpers
import Testing

/// evhash refuses what would otherwise go wrong silently: out-of-range
/// option values, keyed mode without a key, integers JCS cannot hash
/// exactly; and its diagnostics are safe to show on a terminal.
@Suite struct EvhashHardeningTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
        try dir.write("C1/esign/contract.pdf", "%PDF-1.7 signed contract\n")
    }

    func dataLine(_ name: String, _ data: String) -> String {
        #"{"contract":"C1","stage":"face","name":"\#(name)","data":\#(data)}"#
    }

    @Test(arguments: ["9223372036854775807", "0", "-1", "99999999999999999999", "1e3", "1073741825"])
    func maxLineLengthOutOfRangeIsAUsageError(value: String) throws {
        let r = try Tools.run("evhash", ["--max-line-length=\(value)"], stdin: dataLine("a", "1") + "\n", directory: dir.url)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("--max-line-length") && r.stderr.contains("1 to 1073741824"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func maxLineLengthInRangeIsUsed() throws {
        #expect(try Tools.run("evhash", ["--max-line-length", "1073741824"], stdin: dataLine("a", "1") + "\n",
                              directory: dir.url).status == 0)
        let tight = try Tools.run("evhash", ["--max-line-length", "20"], stdin: dataLine("a", "1") + "\n", directory: dir.url)
        #expect(tight.status == 2 && tight.stderr.contains("stdin:1:"), "\(tight.stderr)")
    }

    @Test(arguments: [["--keyed", "data"], ["--keyed", "all"]])
    func keyedWithoutAKeyIsRefused(arguments: [String]) throws {
        let r = try Tools.run("evhash", arguments, stdin: dataLine("phone", #"{"phone":"13800138000"}"#) + "\n",
                              directory: dir.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--keyed needs --key-file"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// RFC 8785 libraries (Python rfc8785 here) refuse integers beyond
    /// ±(2^53 − 1); evhash refuses the same ones, naming the line, and
    /// agrees with the library's digest on the rest — except spellings that
    /// Python's json rounds to a double (9007199254740993.0), which the
    /// number rule refuses too.
    @Test func integersBeyondDoublePrecisionAreRefusedLikeRFC8785() throws {
        try Python.require("rfc8785")
        let values = ["9007199254740991", "-9007199254740991", "9007199254740992", "9007199254740993",
                      "-9007199254740992", "12345678901234567890", "9007199254740993.0", "1e300"]
        let script = """
            import json, sys, hashlib, rfc8785
            for line in sys.stdin:
                try: print(hashlib.sha256(rfc8785.dumps(json.loads(line))).hexdigest())
                except rfc8785.IntegerDomainError: print("refused")
            """
        let documents = values.map { #"{"id":\#($0)}"# }
        let python = try Tools.runPython(["-c", script], requires: ["rfc8785"],
                                         stdin: Data((documents.joined(separator: "\n") + "\n").utf8))
        #expect(python.status == 0, "\(python.stderr)")
        #expect(python.lines.count == values.count)
        let rounded: Set<String> = ["9007199254740993.0"]
        for (i, (document, expected)) in zip(documents, python.lines).enumerated() {
            let input = dataLine("ok", "1") + "\n" + dataLine("n\(i)", document) + "\n"
            let r = try Tools.run("evhash", [], stdin: input, directory: dir.url)
            if expected == "refused" || rounded.contains(values[i]) {
                #expect(r.status == 2, "\(document)")
                #expect(r.stderr.contains("stdin:2:") && r.stderr.contains("2^53"), "\(r.stderr)")
            } else {
                #expect(r.status == 0, "\(document): \(r.stderr)")
                #expect(r.objects.last?["digest"] as? String == expected, "\(document)")
            }
        }
        // The two neighbours that used to collide.
        #expect(python.lines[2] == "refused" && python.lines[3] == "refused")
    }

    /// `{"\u00e9":1,"e\u0301":2}` has two keys (RFC 8259 compares names
    /// code unit by code unit): evhash accepts it, and its digest is the
    /// Python rfc8785 library's.
    @Test func keysThatDifferOnlyInNormalisationAreTwoKeys() throws {
        let document = #"{"\u00e9":1,"e\u0301":2}"#
        let script = "import json, sys, hashlib, rfc8785\nprint(hashlib.sha256(rfc8785.dumps(json.loads(sys.stdin.read()))).hexdigest())"
        let python = try Tools.runPython(["-c", script], requires: ["rfc8785"], stdin: Data(document.utf8))
        #expect(python.status == 0, "\(python.stderr)")
        let r = try Tools.run("evhash", [], stdin: dataLine("twins", document) + "\n", directory: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.objects.first?["digest"] as? String == python.lines.first)
        // The same key twice, byte for byte, is still refused.
        let dup = try Tools.run("evhash", [], stdin: dataLine("dup", #"{"\u00e9":1,"é":2}"#) + "\n", directory: dir.url)
        #expect(dup.status == 2 && dup.stderr.contains("stdin:1:") && dup.stderr.contains("duplicate key"), "\(dup.stderr)")
    }

    /// The number rule, however the number is spelled: exit 2, file:line,
    /// naming the rule; exact numbers stay accepted.
    @Test(arguments: ["9007199254740993", "9007199254740993.0", "9.007199254740993e15", "9007199254740992.0",
                      "0.10000000000000001", "1e-400"])
    func numbersADoubleRoundsAreRefused(_ number: String) throws {
        let input = dataLine("ok", "0.1") + "\n" + dataLine("n", #"{"amount":\#(number)}"#) + "\n"
        let r = try Tools.run("evhash", [], stdin: input, directory: dir.url)
        #expect(r.status == 2, "\(number): \(r.stdout)")
        #expect(r.stderr.hasPrefix("evhash: stdin:2: ") && r.stderr.contains("the number rule"), "\(r.stderr)")
    }

    @Test func controlCharactersInDiagnosticsAreShownAsMarkers() throws {
        let escape = "evil\u{1B}[2J\u{1B}]0;owned\u{07}\u{9B}31m.pdf"
        let fromArgument = try Tools.run("evhash", [escape], directory: dir.url)
        let fromManifest = try Tools.run("evhash", [], stdin: #"{"contract":"C1","stage":"esign","path":"evil\u001b[2J.pdf"}"# + "\n",
                                         directory: dir.url)
        for r in [fromArgument, fromManifest] {
            #expect(r.status == 3)
            #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F..<0xA0).contains($0.value) },
                    "\(r.stderr.debugDescription)")
            #expect(r.stderr.contains("[U+001B][2J"), "\(r.stderr.debugDescription)")
            #expect(r.stderr.hasSuffix("\n") && r.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func emptyAndDotPathsGetClearMessages() throws {
        let empty = try Tools.run("evhash", [""], directory: dir.url)
        #expect(empty.status == 3)
        #expect(empty.stderr.hasPrefix("evhash: (empty file name): "), "\(empty.stderr)")
        let root = try Tools.run("evhash", [], stdin: #"{"contract":"C1","stage":"esign","path":"."}"# + "\n", directory: dir.url)
        #expect(root.status == 2)
        #expect(root.stderr.contains("root directory itself"), "\(root.stderr)")
        #expect(!root.stderr.contains("outside the root"))
    }
}
