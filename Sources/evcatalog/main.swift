import EvidenceCLI

ToolMain.run(Evcatalog.self, name: "evcatalog")
