import EvidenceCLI
import EvverifyCommand

ToolMain.run(Evverify.self, name: "evverify")
