// The one platform condition of the package. The tools are built and tested
// on Linux with glibc only (Package.swift declares no other platform), so
// every other file imports Glibc plainly and calls it without qualification.
#if !os(Linux)
#error("evidence builds on Linux (glibc) only")
#endif
