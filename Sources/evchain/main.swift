import EvidenceCLI

ToolMain.run(Evchain.self, name: "evchain")
