import Testing
import PythonHelpers

/// A test whose Python helper is missing fails with one line that names
/// the package and the set-up command (not a traceback, not a skip).
@Test func missingPythonPackageIsOneLineNamingItAndTheSetupCommand() throws {
    #expect(throws: MissingPythonHelper.self) { try Python.require("no-such-helper-package") }
    do {
        try Python.require("no-such-helper-package")
    } catch let error as MissingPythonHelper {
        let text = String(describing: error)
        #expect(!text.contains("\n"))
        #expect(text.contains("no-such-helper-package") && text.contains(Python.setupCommand))
    }
}
