import EvidenceCLI
import EvchainCommand

ToolMain.run(Evchain.self, name: "evchain")
