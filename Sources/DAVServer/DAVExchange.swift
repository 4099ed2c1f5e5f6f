// DAVExchange: the request and response the DAV layer sees, independent of the HTTP framework.
//
// Invariants:
// - The HTTP front-end (HTTPServer) authenticates before anything reaches the DAV layer: a DAVRequest
//   always carries the authenticated account, and every path is resolved against that account's data
//   in the store (never the file system).
// - Bodies are bounded by the front-end (`DAVLimits.maxRequestBody`); the DAV layer gets bytes.

import Foundation
import MailStore

/// An authenticated DAV request.
public struct DAVRequest: Sendable {
    /// Upper-case method name ("PROPFIND", "REPORT", ...).
    public var method: String
    /// The request path, percent-encoded as received, without the query.
    public var path: String
    /// Header fields with lower-cased names (several values of one name joined by ", ").
    public var headers: [String: String]
    public var body: [UInt8]
    public var account: AccountRecord

    public init(method: String, path: String, headers: [String: String], body: [UInt8], account: AccountRecord) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.account = account
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The response the front-end writes.
public struct DAVResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func == (a: DAVResponse, b: DAVResponse) -> Bool {
        a.status == b.status && a.body == b.body
            && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Limits of the DAV layer, named once.
public enum DAVLimits {
    /// Largest request body (an iCalendar/vCard resource or an XML request).
    public static let maxRequestBody = 10 * 1024 * 1024
    /// Largest calendar or address object accepted by PUT (CALDAV:max-resource-size, CARDDAV:max-resource-size).
    public static let maxResourceSize = 5 * 1024 * 1024
}

/// What the HTTP front-end calls for every authenticated request under the DAV root.
public protocol DAVHandling: Sendable {
    func handle(_ request: DAVRequest) async -> DAVResponse
}
