import Glibc
import EvidenceCLI
import EvidenceSupport
import EvhashCommand
import EvchainCommand
import EvverifyCommand
import EvpsiCommand
import EvcatalogCommand

// One binary for the five tools, run by the name it is called by (the
// installed evhash, evchain, … are links to it): one copy of the Swift
// runtime and the libraries instead of five.
switch String(CommandLine.arguments.first?.split(separator: "/").last ?? "") {
case "evhash": ToolMain.run(Evhash.self, name: "evhash")
case "evchain": ToolMain.run(Evchain.self, name: "evchain")
case "evverify": ToolMain.run(Evverify.self, name: "evverify")
case "evpsi": ToolMain.run(Evpsi.self, name: "evpsi")
case "evcatalog": ToolMain.run(Evcatalog.self, name: "evcatalog")
default:
    Diagnostics.warn("run as evhash, evchain, evverify, evpsi or evcatalog (a link to this binary by that name)")
    exit(ExitStatus.usage)
}
