// DAVService: WebDAV, CalDAV and CardDAV over the store (RFC 4918, RFC 4791, RFC 6352, RFC 6578).
//
// URL space (every path is resolved against the store, never the file system):
//   /dav/                                     root (PROPFIND answers DAV:current-user-principal, RFC 5397)
//   /dav/principals/<address>/                the account's principal (calendar-home-set, addressbook-home-set)
//   /dav/calendars/<address>/                 calendar home: one collection per calendar or task list
//   /dav/calendars/<address>/<name>/<object>  a calendar object resource (.ics)
//   /dav/addressbooks/<address>/...           the same for address books (.vcf)
//   /dav/files/<address>/<path...>            the account's plain WebDAV file area: nested collections and
//                                             files of any type (DAVFiles.swift)
//
// Invariants:
// - Isolation: a path naming another account is 403 before anything is read (the request carries the
//   authenticated account; <address> must be that account's).
// - Every write is validated first (CalendarFormats) and stored in one store transaction; a client hears
//   201/204 only after the commit. ETags are strong and change with the content.
// - Errors map to HTTP statuses in one place (`response(for:)`); preconditions carry their DAV:error body.

import CalendarFormats
import Directory
import Foundation
import Logging
import MailStore
import WebDAV

public final class DAVService: DAVHandling {
    let store: MailStore
    let root: String
    let logger: Logger

    /// `root` is the DAV root path with a trailing slash ("/dav/").
    public init(store: MailStore, root: String = "/dav/", logger: Logger) {
        self.store = store
        self.root = root
        self.logger = logger
    }

    /// RFC 4918 §10.1 DAV header: class 1 and 3 (no LOCK, so not 2), RFC 4791 §5.1, RFC 6352 §6.1.
    static let davHeader = "1, 3, calendar-access, addressbook"
    static let allowed = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCOL, MKCALENDAR, COPY, MOVE"

    public func handle(_ request: DAVRequest) async -> DAVResponse {
        do {
            let target = try resolve(request.path, account: request.account)
            if case .file(let a, let path, _) = target { return try await fileRequest(request, target, a, path) }
            switch request.method {
            case "OPTIONS":
                return DAVResponse(status: 200, headers: [("DAV", Self.davHeader), ("Allow", Self.allowed)])
            case "PROPFIND": return try await propfind(request, target)
            case "PROPPATCH": return try await proppatch(request, target)
            case "GET": return try await get(request, target, includeBody: true)
            case "HEAD": return try await get(request, target, includeBody: false)
            case "PUT": return try await put(request, target)
            case "DELETE": return try await delete(request, target)
            case "MKCALENDAR": return try await makeCollection(request, target, calendar: true)
            case "MKCOL": return try await makeCollection(request, target, calendar: false)
            case "REPORT": return try await report(request, target)
            case "COPY", "MOVE": return try await copyOrMove(request, target, move: request.method == "MOVE")
            default:
                return DAVResponse(status: 405, headers: [("Allow", Self.allowed)])
            }
        } catch {
            return response(for: error)
        }
    }

    // MARK: Resources

    /// What a path names.
    enum Target: Equatable {
        case root
        case principal(AccountRecord)
        case home(AccountRecord, DAVCollectionKind)
        /// A collection (maybe not existing yet: MKCALENDAR).
        case collection(AccountRecord, DAVCollectionKind, name: String)
        case object(AccountRecord, DAVCollectionKind, collection: String, name: String)
        /// An entry of the file area (the root when `path` is empty); `collection`: written with a trailing slash.
        case file(AccountRecord, DAVFilePath, collection: Bool)

        static func == (a: Target, b: Target) -> Bool { a.path(root: "/") == b.path(root: "/") }

        /// The canonical href (percent-encoded), collections with a trailing slash.
        func path(root: String) -> String {
            func seg(_ s: String) -> String { Href.encode(segment: s) }
            switch self {
            case .root: return root
            case .principal(let a): return root + "principals/" + seg(a.address) + "/"
            case .home(let a, let kind): return root + kind.homeSegment + "/" + seg(a.address) + "/"
            case .collection(let a, let kind, let name):
                return root + kind.homeSegment + "/" + seg(a.address) + "/" + seg(name) + "/"
            case .object(let a, let kind, let c, let name):
                return root + kind.homeSegment + "/" + seg(a.address) + "/" + seg(c) + "/" + seg(name)
            case .file(let a, let path, let collection):
                let base = root + "files/" + seg(a.address) + "/"
                if path.isRoot { return base }
                return base + path.segments.map(seg).joined(separator: "/") + (collection ? "/" : "")
            }
        }
    }

    func resolve(_ path: String, account: AccountRecord) throws -> Target {
        let decoded: Href.Decoded
        do {
            decoded = try Href.decode(path)
        } catch {
            throw DAVError.badRequest("the path is not a valid URL path")
        }
        var segments = decoded.segments
        let rootSegments = root.split(separator: "/").map(String.init)
        guard segments.starts(with: rootSegments) else { throw DAVError.notFound }
        segments.removeFirst(rootSegments.count)
        guard let first = segments.first else { return .root }
        guard segments.count >= 2 else { throw DAVError.notFound }
        // RFC 4918 §8.3 and DESIGN §5: another account's data is forbidden, whatever the rest of the path.
        guard segments[1].lowercased() == account.address.lowercased() else { throw DAVError.forbidden }
        switch (first, segments.count) {
        case ("principals", 2): return .principal(account)
        case ("calendars", _), ("addressbooks", _):
            let kind: DAVCollectionKind = first == "calendars" ? .calendar : .addressbook
            switch segments.count {
            case 2: return .home(account, kind)
            case 3: return .collection(account, kind, name: segments[2])
            case 4 where !decoded.isCollection:
                return .object(account, kind, collection: segments[2], name: segments[3])
            default: throw DAVError.notFound
            }
        case ("files", _):
            return .file(account, try DAVFilePath(Array(segments.dropFirst(2))), collection: decoded.isCollection)
        default: throw DAVError.notFound
        }
    }

    /// The existing collection a target names (after creating the account's defaults if it has none).
    func existingCollection(_ account: AccountRecord, _ kind: DAVCollectionKind, _ name: String) async throws
        -> DAVCollection
    {
        if let c = try await store.collection(account: account.id, kind: kind, name: name) { return c }
        throw DAVError.notFound
    }

    /// The account's collections of one kind; accounts from before groupware get their defaults here.
    func collections(_ account: AccountRecord, _ kind: DAVCollectionKind) async throws -> [DAVCollection] {
        var all = try await store.collections(account: account.id, kind: kind)
        if all.isEmpty, try await store.collections(account: account.id).isEmpty {
            _ = try await store.ensureDefaultCollections(account: account.id)
            all = try await store.collections(account: account.id, kind: kind)
        }
        return all
    }

    // MARK: Errors in one place

    enum DAVError: Error {
        case badRequest(String)
        case forbidden
        case notFound
        case methodNotAllowed
        case conflict(String)
        case precondition(status: Int, DAVCondition)
        case preconditionFailed
        case unsupportedMediaType
    }

    func response(for error: any Error) -> DAVResponse {
        switch error {
        case DAVError.badRequest(let why): return text(400, "Bad request: \(why).")
        case DAVError.forbidden: return text(403, "This resource belongs to another account.")
        case DAVError.notFound: return text(404, "Not found.")
        case DAVError.methodNotAllowed: return DAVResponse(status: 405, headers: [("Allow", Self.allowed)])
        case DAVError.conflict(let why): return text(409, why)
        case DAVError.precondition(let status, let condition): return errorBody(status, condition)
        case DAVError.preconditionFailed: return text(412, "The resource changed (If-Match / If-None-Match).")
        case DAVError.unsupportedMediaType: return text(415, "Unsupported media type.")
        case let e as DAVRequestError:
            if case .unsupportedReport = e { return errorBody(403, .supportedReport) }
            return text(400, "Bad request: \(e).")
        case StoreError.notFound: return text(404, "Not found.")
        case StoreError.preconditionFailed: return text(412, "The resource changed (If-Match / If-None-Match).")
        case StoreError.syncTokenInvalid: return errorBody(403, .validSyncToken)
        case StoreError.alreadyExists: return text(405, "A resource with that name exists.")
        case StoreError.invalidName(let why): return text(400, "Bad request: \(why).")
        case StoreError.overQuota: return text(507, "The account is over its quota.")
        case StoreError.limitExceeded(let what): return text(507, "Limit reached: \(what).")
        case StoreError.conflict(let why): return text(409, "Conflict: \(why).")
        case StoreError.outOfSpace: return text(507, "The server is out of disk space.")
        default:
            logger.error("DAV request failed", metadata: ["error": "\(error)"])
            return text(500, "Internal error.")
        }
    }

    func text(_ status: Int, _ text: String) -> DAVResponse {
        DAVResponse(
            status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array((text + "\n").utf8))
    }

    func errorBody(_ status: Int, _ condition: DAVCondition) -> DAVResponse {
        DAVResponse(
            status: status, headers: [("Content-Type", "application/xml; charset=utf-8")],
            body: XMLTreeWriter.document(DAVCondition.errorElement([condition])))
    }

    func multistatus(_ m: Multistatus) -> DAVResponse {
        DAVResponse(status: 207, headers: [("Content-Type", "application/xml; charset=utf-8")], body: m.body)
    }
}

extension DAVCollectionKind {
    var homeSegment: String { self == .calendar ? "calendars" : "addressbooks" }
    var objectContentType: String { self == .calendar ? "text/calendar; charset=utf-8" : "text/vcard; charset=utf-8" }
}
