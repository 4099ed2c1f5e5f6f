// FuzzSMTPCommand: the libFuzzer entry point for FuzzTarget.smtpCommand. No main.swift: libFuzzer provides main when built with
// `scripts/fuzz FuzzSMTPCommand` (--sanitize fuzzer); the checks live in FuzzHarness, shared with Tests/FuzzCorpusTests.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.smtpCommand.runTrapping(UnsafeBufferPointer(start: data, count: size))
    return 0
}
