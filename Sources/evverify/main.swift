import EvidenceCLI

ToolMain.run(Evverify.self, name: "evverify")
