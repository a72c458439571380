import Foundation
import Testing
@testable import EvidenceSupport
@testable import EvidenceCrypto
@testable import EvidenceLog

/// `TileHashReader` (EvidenceLog/Merkle/TileHashReader.swift): hashes and
/// proofs built from C2SP tlog-tiles equal those from the stored hashes the
/// tiles were cut from; a missing or wrong-sized tile is an error.
@Suite struct TileHashReaderTests {
    /// A tree of `size` leaves, its stored hashes and its published tiles by path.
    static func published(_ size: Int) throws -> (MemoryHashStore, [String: [UInt8]]) {
        var store = MemoryHashStore()
        for i in 0..<size { store.append(leafHash: Merkle.leafHash(Array("entry \(i)".utf8))) }
        var files: [String: [UInt8]] = [:]
        for level in 0..<3 {
            let (full, partial) = Tile.tiles(level: level, treeSize: UInt64(size))
            for index in 0..<full {
                files[Tile.path(level: level, index: index, width: Tile.width)] =
                    try Tile.data(level: level, index: index, width: Tile.width, reader: store)
            }
            if partial > 0 {
                files[Tile.path(level: level, index: full, width: partial)] =
                    try Tile.data(level: level, index: full, width: partial, reader: store)
            }
        }
        return (store, files)
    }

    @Test(arguments: [1, 255, 256, 257, 1000, 65_537])
    func proofsFromTilesEqualProofsFromStoredHashes(size: Int) throws {
        let (store, files) = try Self.published(size)
        let tiles = TileHashReader(treeSize: UInt64(size)) { files[$0] }
        let fromTiles = MerkleTreeReader(tiles), fromStore = MerkleTreeReader(store)
        let n = UInt64(size)
        #expect(try fromTiles.treeHash(size: n) == fromStore.treeHash(size: n))
        for index in Set([0, n / 2, n - 1]) {
            #expect(try fromTiles.inclusionProof(index: index, treeSize: n) == fromStore.inclusionProof(index: index, treeSize: n))
            #expect(try fromTiles.leafHash(index) == Merkle.leafHash(Array("entry \(index)".utf8)))
        }
        for old in Set([1, n / 3, n - 1]) where old > 0 {
            #expect(try fromTiles.consistencyProof(oldSize: old, newSize: n) == fromStore.consistencyProof(oldSize: old, newSize: n))
        }
    }

    /// Each tile is fetched once however many hashes of it a proof needs.
    @Test func fetchesEachTileOnce() throws {
        let (_, files) = try Self.published(1000)
        let tiles = TileHashReader(treeSize: 1000) { files[$0] }
        let tree = MerkleTreeReader(tiles)
        _ = try tree.treeHash(size: 1000)
        let first = tiles.fetches
        #expect(first > 0 && first <= files.count)
        _ = try tree.treeHash(size: 1000)
        _ = try tree.inclusionProof(index: 999, treeSize: 1000)
        #expect(tiles.fetches <= files.count)
        let again = tiles.fetches
        _ = try tree.treeHash(size: 1000)
        #expect(tiles.fetches == again)
    }

    @Test func missingTileIsAnIOErrorNamingIt() throws {
        var (_, published) = try Self.published(300)
        published["tile/0/001.p/44"] = nil
        let files = published
        let tiles = TileHashReader(treeSize: 300) { files[$0] }
        do {
            _ = try MerkleTreeReader(tiles).inclusionProof(index: 299, treeSize: 300)
            Issue.record("a proof from incomplete tiles")
        } catch let e as EvidenceError {
            #expect(e.kind == .io)
            #expect("\(e)".contains("tile/0/001.p/44"))
        }
    }

    @Test func tileOfTheWrongSizeIsRefused() throws {
        var (_, published) = try Self.published(300)
        published["tile/0/000"]!.removeLast()
        let files = published
        let tiles = TileHashReader(treeSize: 300) { files[$0] }
        // Leaf 0's proof starts with leaf 1, read from tile/0/000.
        #expect(throws: EvidenceError.self) { _ = try MerkleTreeReader(tiles).inclusionProof(index: 0, treeSize: 300) }
    }

    @Test func hashBeyondTheTreeIsRefused() throws {
        let (_, files) = try Self.published(300)
        let tiles = TileHashReader(treeSize: 300) { files[$0] }
        #expect(throws: EvidenceError.self) { _ = try tiles.hash(level: 0, n: 300) }
        #expect(throws: EvidenceError.self) { _ = try tiles.hash(level: 9, n: 0) }
        #expect(throws: EvidenceError.self) { _ = try tiles.storedHash(at: 0) }
    }
}
