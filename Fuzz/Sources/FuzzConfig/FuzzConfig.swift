// FuzzConfig: the libFuzzer entry point for FuzzTarget.config. No main.swift: libFuzzer provides main when built with
// `scripts/fuzz FuzzConfig` (--sanitize fuzzer); the checks live in FuzzHarness, shared with Tests/FuzzCorpusTests.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.config.runTrapping(UnsafeBufferPointer(start: data, count: size))
    return 0
}
