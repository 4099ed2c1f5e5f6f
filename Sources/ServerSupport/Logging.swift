// Logging metadata shared by every front-end, so one grep finds a connection across protocols.

import Logging
import NIOCore
import Synchronization

public enum LogKey {
    public static let connection = "conn"
    public static let remote = "remote"
    public static let `protocol` = "proto"
    public static let listener = "listener"
}

/// Process-wide connection numbering.
public enum ConnectionID {
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}

extension Logger {
    /// A copy of this logger that tags every message with the connection's id, peer and protocol.
    public func forConnection(id: UInt64, remote: SocketAddress?, protocol name: String) -> Logger {
        var logger = self
        logger[metadataKey: LogKey.connection] = "\(id)"
        logger[metadataKey: LogKey.remote] = "\(remote.map(Self.describe) ?? "unknown")"
        logger[metadataKey: LogKey.protocol] = "\(name)"
        return logger
    }

    /// "192.0.2.1:52100" or "[2001:db8::1]:52100".
    public static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
