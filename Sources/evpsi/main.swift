import EvidenceCLI
import EvpsiCommand

ToolMain.run(Evpsi.self, name: "evpsi")
