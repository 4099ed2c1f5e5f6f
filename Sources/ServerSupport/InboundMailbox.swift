// InboundMailbox: hands inbound events from a connection's pump task to its session task.
//
// Why it exists: cancelling a pending `next()` on an NIOAsyncChannel inbound stream terminates the stream,
// so a read with a timeout cannot race `next()` against a timer. The pump task reads the stream and pushes
// here; the session waits here, and a timeout, a shutdown signal or cancellation only removes the waiter.
//
// Invariants:
// - One reader at a time (the session task) and one producer (the pump task).
// - Every state change happens under the mutex; continuations are resumed after the lock is released,
//   and each continuation is resumed exactly once (it is removed from the state before resuming).
// - Backpressure: when more than `highWatermark` bytes are queued, `push` suspends until the reader has
//   taken them; while it is suspended the NIO stream buffers a little and then stops reading the socket.
// - While discarding for STARTTLS, `.bytes` events are dropped on arrival until `.tlsEstablished`.

import NIOCore
import Synchronization

/// What the channel handler forwards to the session.
enum InboundEvent: Sendable {
    case bytes(ByteBuffer)
    case tlsEstablished(TLSInfo)
}

final class InboundMailbox: Sendable {
    private struct State: ~Copyable {
        var queue: [InboundEvent] = []
        var queueHead = 0
        var queuedBytes = 0
        var finished = false
        var reader: (id: UInt64, observesShutdown: Bool, continuation: CheckedContinuation<InboundEvent?, any Error>)?
        var producer: CheckedContinuation<Void, Never>?
        var shutdownSignalPending = false
        var discardingUntilTLS = false
        var discardedBytes = 0
        var nextReaderID: UInt64 = 0

        var isEmpty: Bool { queueHead == queue.count }

        mutating func popFirst() -> InboundEvent? {
            guard queueHead < queue.count else { return nil }
            let event = queue[queueHead]
            queueHead += 1
            if queueHead == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueHead = 0
            }
            if case .bytes(let bytes) = event { queuedBytes -= bytes.readableBytes }
            return event
        }
    }

    private let state = Mutex(State())
    private let highWatermark: Int

    init(highWatermark: Int = ProtocolLimits.inboundBufferHighWatermark) {
        self.highWatermark = highWatermark
    }

    // MARK: Producer side (the pump task)

    func push(_ event: InboundEvent) async {
        enum Action {
            case none
            case deliver(CheckedContinuation<InboundEvent?, any Error>)
            case wait
        }
        let action: Action = state.withLock { state in
            if state.finished { return .none }
            switch event {
            case .bytes(let bytes) where state.discardingUntilTLS:
                state.discardedBytes += bytes.readableBytes  // RFC 3207 §4.2: never act on pre-TLS plaintext
                return .none
            case .tlsEstablished:
                state.discardingUntilTLS = false
            case .bytes:
                break
            }
            if state.isEmpty, let reader = state.reader {
                state.reader = nil
                return .deliver(reader.continuation)
            }
            state.queue.append(event)
            if case .bytes(let bytes) = event { state.queuedBytes += bytes.readableBytes }
            return state.queuedBytes > highWatermark ? .wait : .none
        }
        switch action {
        case .none: return
        case .deliver(let continuation): continuation.resume(returning: event)
        case .wait:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.finished || state.queuedBytes <= highWatermark { return true }
                    state.producer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// End of input (EOF, error, or the session is done). Queued events can still be read.
    func finish() {
        let (reader, producer) = state.withLock { state in
            state.finished = true
            let reader = state.isEmpty ? state.reader : nil
            if reader != nil { state.reader = nil }
            defer { state.producer = nil }
            return (reader, state.producer)
        }
        reader?.continuation.resume(returning: nil)
        producer?.resume()
    }

    // MARK: Reader side (the session task)

    /// The next event; nil at end of input. Throws `ConnectionError.timeout` after `timeout`,
    /// `ConnectionError.shutdownRequested` once after `signalShutdown()` when `observeShutdown`,
    /// and `CancellationError` when the task is cancelled. None of these lose data.
    func next(timeout: Duration?, observeShutdown: Bool) async throws -> InboundEvent? {
        enum Immediate {
            case event(InboundEvent?)
            case shutdown
            case wait(UInt64)
        }
        let (immediate, producer): (Immediate, CheckedContinuation<Void, Never>?) = state.withLock { state in
            if observeShutdown, state.shutdownSignalPending {
                state.shutdownSignalPending = false
                return (.shutdown, nil)
            }
            if let event = state.popFirst() {
                let producer = state.queuedBytes <= highWatermark ? state.producer : nil
                if producer != nil { state.producer = nil }
                return (.event(event), producer)
            }
            if state.finished { return (.event(nil), nil) }
            state.nextReaderID += 1
            return (.wait(state.nextReaderID), nil)
        }
        producer?.resume()
        switch immediate {
        case .event(let event): return event
        case .shutdown: throw ConnectionError.shutdownRequested
        case .wait(let id): return try await wait(id: id, timeout: timeout, observeShutdown: observeShutdown)
        }
    }

    private func wait(id: UInt64, timeout: Duration?, observeShutdown: Bool) async throws -> InboundEvent? {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let timeout {
                group.addTask {
                    try await Task.sleep(for: timeout)
                    self.resumeWaiter(id: id, with: ConnectionError.timeout)
                }
            }
            defer { group.cancelAll() }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let (immediate, producer): (Result<InboundEvent?, any Error>?, CheckedContinuation<Void, Never>?) =
                        state.withLock {
                            state in
                            if Task.isCancelled { return (.failure(CancellationError()), nil) }
                            if observeShutdown, state.shutdownSignalPending {
                                state.shutdownSignalPending = false
                                return (.failure(ConnectionError.shutdownRequested), nil)
                            }
                            if let event = state.popFirst() {
                                // Events queued between `next` and here: taking one may bring the queue under
                                // the watermark, so a producer suspended in `push` must be resumed now, or it
                                // waits for a drain while this reader waits for data (a hang seen in large
                                // APPENDs).
                                let producer = state.queuedBytes <= highWatermark ? state.producer : nil
                                if producer != nil { state.producer = nil }
                                return (.success(event), producer)
                            }
                            if state.finished { return (.success(nil), nil) }
                            state.reader = (id, observeShutdown, continuation)
                            return (nil, nil)
                        }
                    producer?.resume()
                    if let immediate { continuation.resume(with: immediate) }
                }
            } onCancel: {
                self.resumeWaiter(id: id, with: CancellationError())
            }
        }
    }

    private func resumeWaiter(id: UInt64, with error: any Error) {
        let continuation = state.withLock { state -> CheckedContinuation<InboundEvent?, any Error>? in
            guard let reader = state.reader, reader.id == id else { return nil }
            state.reader = nil
            return reader.continuation
        }
        continuation?.resume(throwing: error)
    }

    // MARK: Control

    /// Wakes a waiting reader with `ConnectionError.shutdownRequested`, or arms it for the next read.
    func signalShutdown() {
        let continuation = state.withLock { state -> CheckedContinuation<InboundEvent?, any Error>? in
            guard let reader = state.reader, reader.observesShutdown else {
                state.shutdownSignalPending = true
                return nil
            }
            state.reader = nil
            return reader.continuation
        }
        continuation?.resume(throwing: ConnectionError.shutdownRequested)
    }

    /// STARTTLS: drops queued plaintext and everything that arrives until `.tlsEstablished`.
    /// Returns the number of bytes dropped from the queue.
    func beginDiscardingUntilTLS() -> Int {
        let (dropped, producer) = state.withLock { state in
            var dropped = 0
            var kept: [InboundEvent] = []
            while let event = state.popFirst() {
                switch event {
                case .bytes(let bytes): dropped += bytes.readableBytes
                case .tlsEstablished: kept.append(event)
                }
            }
            state.queue = kept
            state.queueHead = 0
            state.discardingUntilTLS = true
            state.discardedBytes += dropped
            defer { state.producer = nil }
            return (dropped, state.producer)
        }
        producer?.resume()
        return dropped
    }

    /// Plaintext bytes dropped because of STARTTLS so far.
    var discardedBytes: Int { state.withLock { $0.discardedBytes } }
}
