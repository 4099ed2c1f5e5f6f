// DAVFiles: the account's plain WebDAV file area under /dav/files/<address>/ (RFC 4918): nested collections
// and files of any content type, with dead properties, COPY and MOVE of whole trees.
//
// Invariants:
// - Paths are resolved against the store (MailStore's DAVFiles), never the file system; a path naming another
//   account was refused by `resolve` before this runs.
// - Status codes follow RFC 4918: a missing parent is 409 (§9.3.1, §9.7.1), MKCOL over anything 405, a body
//   MKCOL does not understand 415 (§9.3), COPY/MOVE onto an existing destination with Overwrite F 412 (§9.8.5),
//   source and destination the same 403.
// - PROPPATCH applies its instructions in document order, all or nothing (§9.2); live properties are protected.
// - The root is the collection that holds everything: it cannot be written, removed, copied or moved.

import Foundation
import MailStore
import WebDAV

extension DAVService {
    func fileRequest(_ request: DAVRequest, _ target: Target, _ a: AccountRecord, _ path: DAVFilePath) async throws
        -> DAVResponse
    {
        switch request.method {
        case "OPTIONS": return DAVResponse(status: 200, headers: [("DAV", Self.davHeader), ("Allow", Self.allowed)])
        case "PROPFIND": return try await propfind(request, target)
        case "PROPPATCH": return try await fileProppatch(request, target, a, path)
        case "GET": return try await fileGet(request, a, path, includeBody: true)
        case "HEAD": return try await fileGet(request, a, path, includeBody: false)
        case "PUT": return try await filePut(request, target, a, path)
        case "DELETE":
            guard !path.isRoot else { throw DAVError.methodNotAllowed }
            let ifMatch = try request.header("if-match").map { try Self.etags($0, header: "If-Match") }
            try await store.deleteDAVFile(account: a.id, path: path, ifMatch: ifMatch)
            return DAVResponse(status: 204)
        case "MKCOL": return try await fileMkcol(request, a, path)
        case "COPY", "MOVE": return try await fileTransfer(request, a, path, move: request.method == "MOVE")
        // RFC 4791 §5.3.1: calendars live in the calendar home.
        case "MKCALENDAR": return errorBody(403, .calendarCollectionLocationOK)
        case "REPORT": return errorBody(403, .supportedReport)
        default: return DAVResponse(status: 405, headers: [("Allow", Self.allowed)])
        }
    }

    func fileGet(_ request: DAVRequest, _ a: AccountRecord, _ path: DAVFilePath, includeBody: Bool) async throws
        -> DAVResponse
    {
        guard let (file, content) = try await store.davFileContent(account: a.id, path: path) else {
            guard let entry = try await store.davFile(account: a.id, path: path), entry.isCollection else {
                throw DAVError.notFound
            }
            // RFC 4918 §9.4 leaves GET on a collection to the server: a plain listing of the members.
            let members = try await store.davFileMembers(account: a.id, of: path)
            let listing = members.map { ($0.path.segments.last ?? "") + ($0.isCollection ? "/" : "") + "\n" }.joined()
            let body = Array(listing.utf8)
            return DAVResponse(
                status: 200,
                headers: [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "\(body.count)")],
                body: includeBody ? body : [])
        }
        let etag = file.etag ?? MailStore.davETag(content)
        var headers = [
            ("Content-Type", file.contentType ?? "application/octet-stream"), ("ETag", etag),
            ("Last-Modified", Self.httpDate(file.updatedAt)),
        ]
        // RFC 9110 §13.1.2: a matching If-None-Match on GET/HEAD is 304 Not Modified.
        if let ifNoneMatch = request.header("if-none-match") {
            let condition = try EntityTagCondition.parse(ifNoneMatch, header: "If-None-Match")
            // The stored ETag is quoted.
            if !condition.ifNoneMatchHolds(current: EntityTag(String(etag.dropFirst().dropLast()))) {
                return DAVResponse(status: 304, headers: headers)
            }
        }
        headers.append(("Content-Length", "\(content.count)"))
        return DAVResponse(status: 200, headers: headers, body: includeBody ? content : [])
    }

    func filePut(_ request: DAVRequest, _ target: Target, _ a: AccountRecord, _ path: DAVFilePath) async throws
        -> DAVResponse
    {
        guard !path.isRoot, case .file(_, _, collection: false) = target else { throw DAVError.methodNotAllowed }
        let contentType = try Self.fileContentType(request.header("content-type"))
        let ifMatch = try request.header("if-match").map { try Self.etags($0, header: "If-Match") }
        let ifNoneMatch = try request.header("if-none-match").map { try Self.etags($0, header: "If-None-Match") }
        do {
            let result = try await store.putDAVFile(
                account: a.id, path: path, content: request.body, contentType: contentType, ifMatch: ifMatch,
                ifNoneMatch: ifNoneMatch)
            return DAVResponse(status: result.created ? 201 : 204, headers: [("ETag", result.etag)])
        } catch StoreError.alreadyExists {
            throw DAVError.methodNotAllowed  // a collection is there
        }
    }

    /// The media type a PUT stores: as sent (RFC 9110 §8.3), application/octet-stream when absent.
    static func fileContentType(_ header: String?) throws -> String {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            return "application/octet-stream"
        }
        guard header.utf8.count <= maxContentTypeBytes,
            !header.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value >= 0x7F })
        else { throw DAVError.badRequest("the Content-Type is too long or not printable ASCII") }
        return header
    }

    /// Longest Content-Type kept with a file.
    static let maxContentTypeBytes = 256

    /// MKCOL (RFC 4918 §9.3), or extended MKCOL (RFC 5689) making a plain collection with properties.
    func fileMkcol(_ request: DAVRequest, _ a: AccountRecord, _ path: DAVFilePath) async throws -> DAVResponse {
        var dead: [DAVDeadProperty] = []
        if !request.body.isEmpty {
            // RFC 4918 §9.3: a body the server does not understand is 415.
            let type = request.header("content-type")?.lowercased() ?? ""
            guard type.hasPrefix("application/xml") || type.hasPrefix("text/xml") else {
                throw DAVError.unsupportedMediaType
            }
            let p = try ExtendedMkcol.parse(request.body).properties
            let calendarOrAddressBook =
                p.calendarDescription != nil || p.calendarTimeZone != nil || p.supportedCalendarComponents != nil
                || p.addressbookDescription != nil || p.calendarColor != nil || p.calendarOrder != nil
            // RFC 5689 §3.1: only plain collections here; calendars and address books have their homes.
            guard p.resourceType == nil || p.resourceType == [.dav("collection")], !calendarOrAddressBook else {
                return errorBody(403, .validResourceType)
            }
            let elements = p.other + (p.displayName.map { [XMLTreeElement(.dav("displayname"), text: $0)] } ?? [])
            dead = elements.map(Self.deadProperty)
        }
        try await store.makeDAVFileCollection(account: a.id, path: path, properties: dead)
        return DAVResponse(status: 201)
    }

    static func deadProperty(_ element: XMLTreeElement) -> DAVDeadProperty {
        DAVDeadProperty(
            namespace: element.name.namespace, name: element.name.name,
            value: String(decoding: XMLTreeWriter.document(element), as: UTF8.self))
    }

    /// PROPPATCH of an entry: every property but the protected live ones is dead (RFC 4918 §9.2).
    func fileProppatch(_ request: DAVRequest, _ target: Target, _ a: AccountRecord, _ path: DAVFilePath)
        async throws -> DAVResponse
    {
        let update = try PropertyUpdate.parse(request.body)
        guard !path.isRoot else { throw DAVError.forbidden }
        guard try await store.davFile(account: a.id, path: path) != nil else { throw DAVError.notFound }
        let names = update.instructions.map(\.property)
        let href = target.path(root: root)
        let refused = names.filter { Self.protected.contains($0) }
        if !refused.isEmpty { return refusedPatch(href: href, names: names, refused: refused) }
        let final = Self.finalValues(update)
        let set = final.compactMap { $0.1.map(Self.deadProperty) }
        let remove = final.filter { $0.1 == nil }.map { DAVPropertyName(namespace: $0.0.namespace, name: $0.0.name) }
        try await store.setDAVFileProperties(account: a.id, path: path, set: set, remove: remove)
        return multistatus(
            Multistatus(responses: [Multistatus.Response(href: href, found: names.map(\.emptyElement))]))
    }

    /// COPY and MOVE (RFC 4918 §9.8, §9.9) within the account's file area.
    func fileTransfer(_ request: DAVRequest, _ a: AccountRecord, _ source: DAVFilePath, move: Bool) async throws
        -> DAVResponse
    {
        guard let destinationHeader = request.header("destination") else {
            throw DAVError.badRequest("COPY and MOVE need a Destination header")
        }
        let destinationPath = try Destination.parse(destinationHeader).path
        guard case .file(_, let destination, _) = try resolve(destinationPath, account: a) else {
            throw DAVError.conflict("The destination must be in the same file area.")
        }
        // RFC 4918 §9.8.3: COPY takes Depth 0 or infinity; §9.9.2: MOVE of a collection is always infinity.
        let depth = try Depth.parse(request.header("depth"), default: .infinity)
        guard depth != .one, !move || depth == .infinity else {
            throw DAVError.badRequest("\(request.method) takes Depth: \(move ? "infinity" : "0 or infinity")")
        }
        guard !source.isRoot, !destination.isRoot else { throw DAVError.forbidden }
        // RFC 4918 §9.8.5: source and destination the same is 403.
        guard source != destination else { throw DAVError.forbidden }
        let overwrite = try Overwrite.parse(request.header("overwrite"))
        let created = try await store.transferDAVFile(
            account: a.id, from: source, to: destination, depth: depth == .zero ? .resourceOnly : .infinity,
            overwrite: overwrite, move: move)
        return DAVResponse(status: created ? 201 : 204)
    }
}
