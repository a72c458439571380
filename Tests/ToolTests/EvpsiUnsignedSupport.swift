/// The tests written before messages were signed run the protocol steps
/// unsigned and without a policy, as `--insecure-unsigned` and `--no-policy`
/// allow (tests only); the signed runs are in EvpsiSigningTests.
func unsignedForTests(_ args: [String]) -> [String] {
    guard args.count >= 2, ["psi", "sum", "compare"].contains(args[0]) else { return args }
    var out = args + ["--insecure-unsigned"]
    switch (args[0], args[1]) {
    case ("psi", "request"), ("sum", "start"), ("compare", "request"):
        if !args.contains("--purpose") { out += ["--purpose", "tests"] }
    case ("psi", "respond"), ("sum", "reply"), ("compare", "respond"):
        if !args.contains("--policy") && !args.contains("--no-policy") { out += ["--no-policy"] }
    default: break
    }
    return out
}
