import NIOCore
import Testing

@testable import ServerSupport

struct InboundMailboxTests {
    static func bytes(_ text: String) -> InboundEvent { .bytes(ByteBuffer(string: text)) }

    static func text(_ event: InboundEvent?) -> String? {
        switch event {
        case .bytes(let buffer): String(buffer: buffer)
        case .tlsEstablished(let info): "<tls \(info.version)>"
        case nil: nil
        }
    }

    @Test func timeoutLosesNothing() async throws {
        let mailbox = InboundMailbox()
        await #expect(throws: ConnectionError.timeout) {
            try await mailbox.next(timeout: .milliseconds(10), observeShutdown: true)
        }
        await mailbox.push(Self.bytes("a"))
        #expect(Self.text(try await mailbox.next(timeout: .milliseconds(10), observeShutdown: true)) == "a")
    }

    @Test func waitingReaderGetsTheNextEvent() async throws {
        let mailbox = InboundMailbox()
        async let read = mailbox.next(timeout: nil, observeShutdown: true)
        await mailbox.push(Self.bytes("late"))
        #expect(Self.text(try await read) == "late")
    }

    @Test func shutdownIsSignalledOnceToAWaitingOrTheNextReader() async throws {
        let mailbox = InboundMailbox()
        mailbox.signalShutdown()
        await mailbox.push(Self.bytes("x"))
        await #expect(throws: ConnectionError.shutdownRequested) {
            try await mailbox.next(timeout: nil, observeShutdown: true)
        }
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "x")

        let waiting = Task { try await mailbox.next(timeout: nil, observeShutdown: true) }
        mailbox.signalShutdown()
        await #expect(throws: ConnectionError.shutdownRequested) { try await waiting.value }
    }

    @Test func handshakeWaitIgnoresShutdownButKeepsItForLater() async throws {
        let mailbox = InboundMailbox()
        mailbox.signalShutdown()
        await mailbox.push(.tlsEstablished(TLSInfo(version: "TLSv1.3")))
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: false)) == "<tls TLSv1.3>")
        await #expect(throws: ConnectionError.shutdownRequested) {
            try await mailbox.next(timeout: nil, observeShutdown: true)
        }
    }

    @Test func endOfInputAfterQueuedEvents() async throws {
        let mailbox = InboundMailbox()
        await mailbox.push(Self.bytes("last"))
        mailbox.finish()
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "last")
        #expect(try await mailbox.next(timeout: nil, observeShutdown: true) == nil)
        await mailbox.push(Self.bytes("ignored"))
        #expect(try await mailbox.next(timeout: nil, observeShutdown: true) == nil)
    }

    @Test func cancellationLeavesTheMailboxUsable() async throws {
        let mailbox = InboundMailbox()
        let reader = Task { try await mailbox.next(timeout: nil, observeShutdown: true) }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        await mailbox.push(Self.bytes("after"))
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "after")
    }

    @Test func producerWaitsAboveTheHighWatermark() async throws {
        let mailbox = InboundMailbox(highWatermark: 4)
        await mailbox.push(Self.bytes("abc"))  // 3 bytes: under the mark, returns at once
        let producer = Task { await mailbox.push(Self.bytes("defg")) }  // 7 bytes: suspends
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "abc")
        await producer.value  // resumed once the reader took bytes
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "defg")
    }

    @Test func startTLSDiscardsQueuedAndLaterPlaintext() async throws {
        let mailbox = InboundMailbox()
        await mailbox.push(Self.bytes("INJECTED\r\n"))
        #expect(mailbox.beginDiscardingUntilTLS() == 10)
        await mailbox.push(Self.bytes("MORE\r\n"))
        await mailbox.push(.tlsEstablished(TLSInfo(version: "TLSv1.2")))
        await mailbox.push(Self.bytes("secure"))
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: false)) == "<tls TLSv1.2>")
        #expect(Self.text(try await mailbox.next(timeout: nil, observeShutdown: true)) == "secure")
        #expect(mailbox.discardedBytes == 16)
    }
}
