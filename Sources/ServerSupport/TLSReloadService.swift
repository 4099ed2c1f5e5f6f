// TLSReloadService: reloads TLS certificates on SIGHUP (DESIGN §5), as a Service in the ServiceGroup.
// Reloading reads files, so it runs on the cooperative pool, never on an event loop; each provider keeps
// its previous certificate when its reload fails.

import Dispatch
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct TLSReloadService: Service {
    private let providers: [TLSProvider]
    private let logger: Logger

    public init(providers: [TLSProvider], logger: Logger) {
        self.providers = providers
        self.logger = logger
    }

    public func run() async throws {
        let hangups = AsyncStream<Void>(bufferingPolicy: .bufferingNewest(1)) { continuation in
            signal(SIGHUP, SIG_IGN)  // the dispatch source sees the signal; the default action would exit
            let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            let box = SignalSourceBox(source: source)
            continuation.onTermination = { _ in box.source.cancel() }
        }
        for await _ in hangups.cancelOnGracefulShutdown() {
            logger.info("SIGHUP: reloading TLS certificates")
            for provider in providers { provider.reload() }
        }
    }
}

/// Dispatch sources are thread-safe; the protocol type just is not marked Sendable.
private final class SignalSourceBox: @unchecked Sendable {
    let source: any DispatchSourceSignal
    init(source: any DispatchSourceSignal) { self.source = source }
}
