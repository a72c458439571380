import Testing

@Test(arguments: ["evpsi"])
func unimplementedToolExitsTwo(tool: String) throws {
    let result = try Tools.run(tool, [])
    #expect(result.status == 2)
    #expect(result.stderr.contains("not yet implemented"))
}
