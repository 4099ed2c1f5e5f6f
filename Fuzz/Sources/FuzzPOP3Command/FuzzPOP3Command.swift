// FuzzPOP3Command: the libFuzzer entry point for FuzzTarget.pop3Command. No main.swift: libFuzzer provides main when built with
// `scripts/fuzz FuzzPOP3Command` (--sanitize fuzzer); the checks live in FuzzHarness, shared with Tests/FuzzCorpusTests.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.pop3Command.runTrapping(UnsafeBufferPointer(start: data, count: size))
    return 0
}
