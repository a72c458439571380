import Testing
@testable import EvidenceCore

/// The byte scan for ".." components says what splitting on "/" says.
@Test func parentComponentsAreFoundAsSplittingFindsThem() {
    let paths = ["..", "a/..", "../a", "a/../b", "a/...", "...", "a/..b", "..a/b", "a//..", "a/./b", "a/b/", "/..", "a/.. /b", "", "/", "caf\u{E9}/..", ".../..", "a/b/c/d/e/f/../g"]
    for p in paths {
        #expect(OriginalPaths.hasParentComponent(p) == p.split(separator: "/").contains(".."), "\(p)")
    }
}

/// A file's default name is the last component splitting its path gives.
@Test func aPathsLastComponentIsWhatSplittingGivesLast() {
    for p in ["a/b.pdf", "b.pdf", "a/b/", "a//b", "/", "", "///x///", "caf\u{E9}/\u{212A}.pdf", "a/./.."] {
        #expect(ManifestItem.lastComponent(p).map(String.init) == p.split(separator: "/").last.map(String.init), "\(p)")
    }
}
