// DAV files: each account's plain WebDAV file area (RFC 4918), a tree of collections and files of any
// content type beside the calendars and address books. A user can keep documents there and mount it with
// any WebDAV client; it is also what lets the WebDAV engine be checked with generic WebDAV test suites.
//
// Invariants:
// - A path is a list of segments (each a valid DAV name, see `checkDAVName`); it is stored as the segments
//   joined by "/". The empty path is the account's file root: it always exists and is never stored.
// - Every stored entry's parent exists and is a collection (the root counts): writes check it in the same
//   transaction (RFC 4918 §9.7.1 and §9.3.1: a missing parent is 409 Conflict), and removing a collection
//   removes everything below it in that transaction (RFC 4918 §9.6.1).
// - The descendants of "a/b" are exactly the paths in ["a/b/", "a/b0"): '0' follows '/' in byte order, so
//   one range over the (account_id, path) index finds a whole subtree.
// - File bytes count toward the account's quota (`usage_bytes`, kept by triggers like messages).
// - Dead properties live and die with their entry: a MOVE carries them (ON UPDATE CASCADE), a COPY
//   duplicates them, a DELETE removes them (RFC 4918 §9.8.2, §9.9.1).
// - ETags are strong and derived from the content only; collections have none.

import Foundation
import GRDB

/// A path in an account's file area: the segments below the file root (empty: the root itself).
public struct DAVFilePath: Hashable, Sendable, CustomStringConvertible {
    public let segments: [String]

    /// Throws `invalidName` unless every segment is a valid DAV name and the path is within the limits.
    public init(_ segments: [String]) throws {
        for s in segments { try MailStore.checkDAVName(s) }
        guard segments.count <= MailStore.maxDAVFileDepth else {
            throw StoreError.invalidName("a path is deeper than \(MailStore.maxDAVFileDepth) levels")
        }
        self.segments = segments
    }

    public var isRoot: Bool { segments.isEmpty }
    /// The parent path; the root for a top-level entry and for the root itself.
    public var parent: DAVFilePath { DAVFilePath(unchecked: Array(segments.dropLast())) }
    /// Whether `self` is `other` or below it.
    public func isWithin(_ other: DAVFilePath) -> Bool { segments.starts(with: other.segments) }
    public var description: String { "/" + key }

    /// The stored form.
    var key: String { segments.joined(separator: "/") }

    init(unchecked segments: [String]) { self.segments = segments }
}

/// A file or collection of the file area.
public struct DAVFile: Hashable, Sendable {
    public var path: DAVFilePath
    public var isCollection: Bool
    /// Strong ETag of the content; nil for collections.
    public var etag: String?
    /// As sent with the PUT; nil for collections.
    public var contentType: String?
    public var size: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        path: DAVFilePath, isCollection: Bool, etag: String?, contentType: String?, size: Int64, createdAt: Date,
        updatedAt: Date
    ) {
        (self.path, self.isCollection, self.etag, self.contentType) = (path, isCollection, etag, contentType)
        (self.size, self.createdAt, self.updatedAt) = (size, createdAt, updatedAt)
    }
}

/// What COPY and MOVE take with a collection (RFC 4918 §9.8.3: Depth 0 copies the collection without members).
public enum DAVFileTransferDepth: Sendable {
    case resourceOnly
    case infinity
}

extension MailStore {
    /// Deepest path of the file area.
    public static let maxDAVFileDepth = 32
    /// Largest file.
    public static let maxDAVFileBytes = 10 * 1024 * 1024
    /// Most entries (files and collections) one account's file area holds.
    public static let maxDAVFileEntries = 100_000

    /// The entry at `path`; nil if there is none. The root is always a collection.
    public func davFile(account: AccountID, path: DAVFilePath) async throws -> DAVFile? {
        if path.isRoot { return DAVFile.root }
        return try await read { db in
            try db.row(
                "SELECT \(DAVFileRows.columns) FROM dav_files WHERE account_id = ? AND path = ?",
                [account.rawValue, path.key]
            ).map(DAVFileRows.file)
        }
    }

    /// A file with its bytes; nil if there is no file (or it is a collection).
    public func davFileContent(account: AccountID, path: DAVFilePath) async throws -> (DAVFile, [UInt8])? {
        guard !path.isRoot else { return nil }
        return try await read { db in
            guard
                let row = try db.row(
                    """
                    SELECT \(DAVFileRows.columns), content FROM dav_files
                    WHERE account_id = ? AND path = ? AND is_collection = 0
                    """, [account.rawValue, path.key])
            else { return nil }
            let content: Data? = row["content"]
            return (DAVFileRows.file(row), content.map { [UInt8]($0) } ?? [])
        }
    }

    /// The direct members of a collection, by name.
    public func davFileMembers(account: AccountID, of path: DAVFilePath) async throws -> [DAVFile] {
        try await read { db in
            if path.isRoot {
                return try db.rows(
                    """
                    SELECT \(DAVFileRows.columns) FROM dav_files WHERE account_id = ? AND instr(path, '/') = 0
                    ORDER BY path
                    """, [account.rawValue]
                ).map(DAVFileRows.file)
            }
            let (low, high) = DAVFileRows.subtree(path)
            // substr counts code points, like `unicodeScalars`.
            return try db.rows(
                """
                SELECT \(DAVFileRows.columns) FROM dav_files
                WHERE account_id = ? AND path >= ? AND path < ? AND instr(substr(path, ?), '/') = 0
                ORDER BY path
                """, [account.rawValue, low, high, low.unicodeScalars.count + 1]
            ).map(DAVFileRows.file)
        }
    }

    /// Stores a file (RFC 4918 §9.7): checks If-Match / If-None-Match (RFC 9110 §13.2.2) against the current
    /// file, the parent, the quota and the limits in the write transaction. Throws `conflict` (no parent
    /// collection), `alreadyExists` (a collection is there), `preconditionFailed`, `overQuota`, `limitExceeded`.
    @discardableResult
    public func putDAVFile(
        account: AccountID, path: DAVFilePath, content: [UInt8], contentType: String, ifMatch: [String]? = nil,
        ifNoneMatch: [String]? = nil
    ) async throws -> (created: Bool, etag: String) {
        guard !path.isRoot else { throw StoreError.alreadyExists("The file root") }
        guard content.count <= Self.maxDAVFileBytes else {
            throw StoreError.limitExceeded("a file is larger than \(Self.maxDAVFileBytes) bytes")
        }
        let etag = Self.davETag(content)
        return try await write { db in
            let existing = try db.row(
                "SELECT is_collection, etag, size FROM dav_files WHERE account_id = ? AND path = ?",
                [account.rawValue, path.key])
            if let existing, existing["is_collection"] as Bool {
                throw StoreError.alreadyExists("A collection \(path)")
            }
            try DAVRows.checkPreconditions(
                existingETag: existing.map { row -> String in row["etag"] }, ifMatch: ifMatch, ifNoneMatch: ifNoneMatch)
            try DAVFileRows.checkParent(db, account, path)
            try Rows.checkQuota(db, account, adding: Int64(content.count) - ((existing?["size"] as Int64?) ?? 0))
            let now = Date().storeValue
            if existing != nil {
                try db.run(
                    """
                    UPDATE dav_files SET content = ?, content_type = ?, etag = ?, size = ?, updated_at = ?
                    WHERE account_id = ? AND path = ?
                    """, [Data(content), contentType, etag, content.count, now, account.rawValue, path.key])
            } else {
                try DAVFileRows.checkEntryLimit(db, account, adding: 1)
                try db.run(
                    """
                    INSERT INTO dav_files(account_id, path, is_collection, content, content_type, etag, size,
                        created_at, updated_at)
                    VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)
                    """, [account.rawValue, path.key, Data(content), contentType, etag, content.count, now, now])
            }
            return ((created: existing == nil, etag: etag), [])
        }
    }

    /// Creates a collection (RFC 4918 §9.3.1) with its dead properties (extended MKCOL, RFC 5689 §3: all or
    /// nothing, so in the same transaction). Throws `alreadyExists` (anything is there: 405), `conflict` (no parent
    /// collection: 409), `limitExceeded`.
    public func makeDAVFileCollection(
        account: AccountID, path: DAVFilePath, properties: [DAVDeadProperty] = []
    ) async throws {
        guard !path.isRoot else { throw StoreError.alreadyExists("The file root") }
        try await write { db -> ((), [StoreChange]) in
            guard
                try db.int("SELECT 1 FROM dav_files WHERE account_id = ? AND path = ?", [account.rawValue, path.key])
                    == nil
            else { throw StoreError.alreadyExists("\(path)") }
            try DAVFileRows.checkParent(db, account, path)
            try DAVFileRows.checkEntryLimit(db, account, adding: 1)
            let now = Date().storeValue
            try db.run(
                """
                INSERT INTO dav_files(account_id, path, is_collection, size, created_at, updated_at)
                VALUES (?, ?, 1, 0, ?, ?)
                """, [account.rawValue, path.key, now, now])
            for p in properties {
                try db.run(
                    """
                    INSERT OR REPLACE INTO dav_file_properties(account_id, path, namespace, name, value)
                    VALUES (?, ?, ?, ?, ?)
                    """, [account.rawValue, path.key, p.namespace, p.name, p.value])
            }
            return ((), [])
        }
    }

    /// Removes a file, or a collection with everything below it (RFC 4918 §9.6). `ifMatch` is checked
    /// against a file's ETag (a collection has none, so only "*" matches it). Throws `notFound`,
    /// `preconditionFailed`, `invalidArgument` for the root.
    public func deleteDAVFile(account: AccountID, path: DAVFilePath, ifMatch: [String]? = nil) async throws {
        guard !path.isRoot else { throw StoreError.invalidArgument("the file root cannot be removed") }
        try await write { db -> ((), [StoreChange]) in
            guard
                let row = try db.row(
                    "SELECT is_collection, etag FROM dav_files WHERE account_id = ? AND path = ?",
                    [account.rawValue, path.key])
            else { throw StoreError.notFound("\(path)") }
            if let ifMatch, !ifMatch.contains("*") {
                try DAVRows.checkPreconditions(existingETag: row["etag"], ifMatch: ifMatch, ifNoneMatch: nil)
            }
            try DAVFileRows.removeTree(db, account, path)
            return ((), [])
        }
    }

    /// COPY or MOVE within the file area (RFC 4918 §9.8, §9.9) in one transaction. An existing destination is
    /// removed first when `overwrite` (§9.8.4), else `preconditionFailed`. Returns whether the destination is
    /// new (201) rather than replaced (204). Throws `notFound` (source), `conflict` (no destination parent, or
    /// source and destination inside one another), `overQuota`, `limitExceeded`.
    public func transferDAVFile(
        account: AccountID, from source: DAVFilePath, to destination: DAVFilePath, depth: DAVFileTransferDepth,
        overwrite: Bool, move: Bool
    ) async throws -> Bool {
        guard !source.isRoot, !destination.isRoot else {
            throw StoreError.conflict("the file root cannot be copied, moved or replaced")
        }
        // RFC 4918 §9.8.5: the same resource is 403 for the caller; a tree into itself cannot be done.
        guard !destination.isWithin(source), !source.isWithin(destination) else {
            throw StoreError.conflict("the source and the destination are inside one another")
        }
        return try await write { db in
            guard
                let sourceRow = try db.row(
                    "SELECT is_collection FROM dav_files WHERE account_id = ? AND path = ?",
                    [account.rawValue, source.key])
            else { throw StoreError.notFound("\(source)") }
            let existed =
                try db.int(
                    "SELECT 1 FROM dav_files WHERE account_id = ? AND path = ?", [account.rawValue, destination.key])
                != nil
            if existed {
                guard overwrite else {
                    throw StoreError.preconditionFailed("the destination exists and Overwrite is F")
                }
                try DAVFileRows.removeTree(db, account, destination)
            }
            try DAVFileRows.checkParent(db, account, destination)
            let whole = move || depth == .infinity || !(sourceRow["is_collection"] as Bool)
            let (low, high) = DAVFileRows.subtree(source)
            let selection =
                whole
                ? "account_id = ? AND (path = ? OR (path >= ? AND path < ?))" : "account_id = ? AND path = ?"
            let selectionArgs: StatementArguments =
                whole ? [account.rawValue, source.key, low, high] : [account.rawValue, source.key]
            // The new path: the destination, then what followed the source (substr counts code points).
            let renamed = "? || substr(path, \(source.key.unicodeScalars.count + 1))"
            if move {
                // Properties follow through ON UPDATE CASCADE.
                try db.run(
                    "UPDATE dav_files SET path = \(renamed) WHERE \(selection)", [destination.key] + selectionArgs)
            } else {
                let copied = try db.row(
                    "SELECT count(*), coalesce(sum(size), 0) FROM dav_files WHERE \(selection)", selectionArgs)
                try Rows.checkQuota(db, account, adding: (copied?[1] as Int64?) ?? 0)
                try DAVFileRows.checkEntryLimit(db, account, adding: (copied?[0] as Int64?) ?? 0)
                let now = Date().storeValue
                try db.run(
                    """
                    INSERT INTO dav_files(account_id, path, is_collection, content, content_type, etag, size,
                        created_at, updated_at)
                    SELECT account_id, \(renamed), is_collection, content, content_type, etag, size, ?, ?
                    FROM dav_files WHERE \(selection)
                    """, [destination.key, now, now] + selectionArgs)
                try db.run(
                    """
                    INSERT INTO dav_file_properties(account_id, path, namespace, name, value)
                    SELECT account_id, \(renamed), namespace, name, value FROM dav_file_properties
                    WHERE \(selection)
                    """, [destination.key] + selectionArgs)
            }
            return (!existed, [])
        }
    }

    /// Sets and removes dead properties of an entry in one transaction (RFC 4918 §9.2: atomic), removals
    /// first. Throws `notFound`; the root has no stored properties (`invalidArgument`).
    public func setDAVFileProperties(
        account: AccountID, path: DAVFilePath, set: [DAVDeadProperty], remove: [DAVPropertyName]
    ) async throws {
        guard !path.isRoot else { throw StoreError.invalidArgument("the file root has no writable properties") }
        guard !set.isEmpty || !remove.isEmpty else { return }
        try await write { db -> ((), [StoreChange]) in
            guard
                try db.int("SELECT 1 FROM dav_files WHERE account_id = ? AND path = ?", [account.rawValue, path.key])
                    != nil
            else { throw StoreError.notFound("\(path)") }
            for p in remove {
                try db.run(
                    """
                    DELETE FROM dav_file_properties WHERE account_id = ? AND path = ? AND namespace = ? AND name = ?
                    """, [account.rawValue, path.key, p.namespace, p.name])
            }
            for p in set {
                try db.run(
                    """
                    INSERT OR REPLACE INTO dav_file_properties(account_id, path, namespace, name, value)
                    VALUES (?, ?, ?, ?, ?)
                    """, [account.rawValue, path.key, p.namespace, p.name, p.value])
            }
            return ((), [])
        }
    }

    /// The dead properties of an entry, by namespace and name.
    public func davFileProperties(account: AccountID, path: DAVFilePath) async throws -> [DAVDeadProperty] {
        guard !path.isRoot else { return [] }
        return try await read { db in
            try db.rows(
                """
                SELECT namespace, name, value FROM dav_file_properties WHERE account_id = ? AND path = ?
                ORDER BY namespace, name
                """, [account.rawValue, path.key]
            ).map { DAVDeadProperty(namespace: $0["namespace"], name: $0["name"], value: $0["value"]) }
        }
    }
}

extension DAVFile {
    static let root = DAVFile(
        path: DAVFilePath(unchecked: []), isCollection: true, etag: nil, contentType: nil, size: 0,
        createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
}

/// Row-level operations of the file area, run inside the caller's transaction.
enum DAVFileRows {
    static let columns = "path, is_collection, etag, content_type, size, created_at, updated_at"

    static func file(_ row: Row) -> DAVFile {
        let path: String = row["path"]
        return DAVFile(
            path: DAVFilePath(unchecked: path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)),
            isCollection: row["is_collection"], etag: row["etag"], contentType: row["content_type"], size: row["size"],
            createdAt: Date(storeValue: row["created_at"]), updatedAt: Date(storeValue: row["updated_at"]))
    }

    /// The key range of everything strictly below `path` (not the root: callers never transfer or remove it).
    static func subtree(_ path: DAVFilePath) -> (String, String) {
        (path.key + "/", path.key + "0")
    }

    /// RFC 4918 §9.3.1, §9.7.1: the parent must exist as a collection, else 409.
    static func checkParent(_ db: Database, _ account: AccountID, _ path: DAVFilePath) throws {
        let parent = path.parent
        guard !parent.isRoot else { return }
        guard
            try db.int(
                "SELECT 1 FROM dav_files WHERE account_id = ? AND path = ? AND is_collection = 1",
                [account.rawValue, parent.key]) != nil
        else { throw StoreError.conflict("the parent collection \(parent) does not exist") }
    }

    static func checkEntryLimit(_ db: Database, _ account: AccountID, adding count: Int64) throws {
        let current = try db.int("SELECT count(*) FROM dav_files WHERE account_id = ?", [account.rawValue]) ?? 0
        if current + count > Int64(MailStore.maxDAVFileEntries) {
            throw StoreError.limitExceeded("a file area holds at most \(MailStore.maxDAVFileEntries) entries")
        }
    }

    /// Removes an entry and everything below it (properties go with them: ON DELETE CASCADE).
    static func removeTree(_ db: Database, _ account: AccountID, _ path: DAVFilePath) throws {
        let (low, high) = subtree(path)
        try db.run(
            "DELETE FROM dav_files WHERE account_id = ? AND (path = ? OR (path >= ? AND path < ?))",
            [account.rawValue, path.key, low, high])
    }
}
