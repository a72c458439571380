import EvidenceCLI
import EvcatalogCommand

ToolMain.run(Evcatalog.self, name: "evcatalog")
