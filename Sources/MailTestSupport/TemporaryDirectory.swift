// A fresh temporary directory per test, removed when the value goes away.
//
// Invariants: every instance has its own directory (a UUID name under the system temporary
// directory); nothing is shared between tests, so Swift Testing may run them in parallel.

import Foundation

public final class TemporaryDirectory: Sendable {
    public let url: URL

    /// Creates `<tmp>/<prefix>-<uuid>/`.
    public init(prefix: String = "mailroom-test") throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        url = base.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    /// A path inside the directory.
    public func appending(_ component: String) -> URL {
        url.appendingPathComponent(component)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
public func withTemporaryDirectory<T>(
    prefix: String = "mailroom-test", _ body: (URL) async throws -> T
) async throws -> T {
    let dir = try TemporaryDirectory(prefix: prefix)
    let result = try await body(dir.url)
    withExtendedLifetime(dir) {}
    return result
}
