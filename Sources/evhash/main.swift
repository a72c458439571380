import EvidenceCLI
import EvhashCommand

ToolMain.run(Evhash.self, name: "evhash")
