// swift-tools-version:6.0
import PackageDescription

// Each folder under Sources/ says in a one-line README.md what lives there.
let readme = ["README.md"]
let coreFolders = ["Records", "Hashing", "Scratch", "Chain", "Verification", "Certificate", "Catalogue", "Receipt"]

let package = Package(
    // Linux (glibc) only: the sources call Glibc directly (Platform.swift).
    name: "evidence",
    products: [
        .library(name: "EvidenceCore", targets: ["EvidenceCore"]),
        .library(name: "EvidenceLog", targets: ["EvidenceLog"]),
        .library(name: "EvidencePSI", targets: ["EvidencePSI"]),
        .executable(name: "evhash", targets: ["evhash"]),
        .executable(name: "evchain", targets: ["evchain"]),
        .executable(name: "evverify", targets: ["evverify"]),
        .executable(name: "evpsi", targets: ["evpsi"]),
        .executable(name: "evcatalog", targets: ["evcatalog"]),
        // The five tools in one binary (what `make install` installs, with the five names as links).
        .executable(name: "evidence", targets: ["evidence"]),
    ],
    dependencies: [
        // Pinned: Package.resolved is not committed (the copies here have their own commit ids).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CGMP", pkgConfig: "gmp",
            providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "CSystem"),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        // The custody certificate's print view carries a QR code (EvidenceCore/Certificate/QRCode.swift).
        .systemLibrary(
            name: "CQREncode", pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]),
        // Module graph (ARCHITECTURE.md): Support <- Crypto <- Log, PSI <- Core <- CLI <- tools.
        .target(name: "EvidenceSupport", exclude: readme),
        .target(name: "EvidenceCrypto", dependencies: ["EvidenceSupport", "COpenSSL", "CGMP"], exclude: readme),
        .target(name: "EvidenceLog", dependencies: ["EvidenceSupport", "EvidenceCrypto"], exclude: readme),
        .target(name: "EvidencePSI", dependencies: ["EvidenceSupport", "EvidenceCrypto"], exclude: readme),
        .target(
            name: "EvidenceCore", dependencies: ["EvidenceSupport", "EvidenceCrypto", "EvidenceLog", "CSystem", "CQREncode"],
            exclude: readme + coreFolders.map { "\($0)/README.md" }),
        .target(
            name: "EvidenceCLI",
            dependencies: [
                "EvidenceSupport", "EvidenceCrypto", "EvidenceLog", "EvidencePSI", "EvidenceCore", "CCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: readme),
        // Each tool's commands, and the executables that run them: one per tool
        // (what the tests and examples build) and `evidence`, all five in one.
        .target(name: "EvhashCommand", dependencies: ["EvidenceCLI"], exclude: readme),
        .target(name: "EvchainCommand", dependencies: ["EvidenceCLI"], exclude: readme),
        .target(name: "EvverifyCommand", dependencies: ["EvidenceCLI"], exclude: readme),
        .target(name: "EvpsiCommand", dependencies: ["EvidenceCLI"], exclude: readme),
        .target(name: "EvcatalogCommand", dependencies: ["EvidenceCLI"], exclude: readme),
        .executableTarget(name: "evhash", dependencies: ["EvidenceCLI", "EvhashCommand"], exclude: readme),
        .executableTarget(name: "evchain", dependencies: ["EvidenceCLI", "EvchainCommand"], exclude: readme),
        .executableTarget(name: "evverify", dependencies: ["EvidenceCLI", "EvverifyCommand"], exclude: readme),
        .executableTarget(name: "evpsi", dependencies: ["EvidenceCLI", "EvpsiCommand"], exclude: readme),
        .executableTarget(name: "evcatalog", dependencies: ["EvidenceCLI", "EvcatalogCommand"], exclude: readme),
        .executableTarget(
            name: "evidence",
            dependencies: ["EvidenceSupport", "EvidenceCLI", "EvhashCommand", "EvchainCommand", "EvverifyCommand", "EvpsiCommand", "EvcatalogCommand"],
            exclude: readme),
        // Finds the tests' Python and names a missing helper package in one line.
        .target(name: "PythonHelpers", path: "Tests/PythonHelpers"),
        // Seeded input mutations for the fuzz tests of both test targets.
        .target(name: "FuzzSupport", path: "Tests/FuzzSupport"),
        .testTarget(
            name: "EvidenceCoreTests",
            dependencies: ["EvidenceSupport", "EvidenceCrypto", "EvidenceLog", "EvidencePSI", "EvidenceCore", "PythonHelpers", "FuzzSupport"]),
        .testTarget(
            name: "ToolTests",
            dependencies: [
                "EvidenceSupport", "EvidenceCrypto", "EvidenceLog", "EvidencePSI", "EvidenceCore", "EvidenceCLI", "PythonHelpers", "FuzzSupport", "evhash", "evchain", "evverify", "evpsi", "evcatalog"]),
    ]
)
