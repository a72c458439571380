import EvidenceCLI

ToolMain.run(Evpsi.self, name: "evpsi")
