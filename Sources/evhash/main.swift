import EvidenceCLI

ToolMain.run(Evhash.self, name: "evhash")
