// Groupware storage: calendars, task lists and address books (CalDAV RFC 4791, CardDAV RFC 6352), their
// resources, deletion tombstones for sync-collection (RFC 6578) and dead properties (RFC 4918 §4).
// No HTTP or iCalendar/vCard parsing here: the Groupware and DAV targets validate and parse, the store
// keeps bytes, metadata and counters.
//
// Invariants:
// - Every DAV modseq comes from one global counter (`counters.dav_modseq`) that only grows, so a value
//   is never issued twice, also across deleted and re-created collections. A collection's `modseq` is
//   the value of its last change (its CTag and sync-token counter); each object's `modseq` is the value
//   of the change that last wrote it; a tombstone's `modseq` that of its deletion.
// - One change operation (put, delete, move, copy, collection or property update) takes one new modseq
//   per collection it changes and updates objects, tombstones and the collection in one transaction.
// - A name is either an object or a tombstone of a collection, never both: writing a name removes its
//   tombstone; removing an object writes one.
// - `sync_horizon`: sync tokens below it cannot be answered (the collection did not exist yet, or the
//   tombstones after them were pruned): `changes(since:)` throws `syncTokenInvalid` (RFC 6578 §3.2).
//   Token 0 means "initial sync" and is always valid (RFC 6578 §3.4).
// - ETags are strong and derived from the content only: equal bytes give equal ETags.
// - UIDs are unique per collection (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1); names are unique per collection.
// - Dead properties of an object live and die with it: they follow a MOVE, are duplicated by a COPY,
//   survive a PUT that replaces the content and are removed with the object (RFC 4918 §9.8.2, §9.9.1).
// - Removing an account or a collection removes everything below it (foreign keys ON DELETE CASCADE).

import Crypto
import Foundation
import GRDB

/// The row id of a calendar, task list or address book. Never reused (AUTOINCREMENT): a DAV server can
/// embed it in sync tokens to tell a re-created collection of the same name from the old one.
public struct DAVCollectionID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// What a DAV collection holds.
public enum DAVCollectionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A CalDAV calendar collection (RFC 4791 §4.2): events, tasks, journals per `components`.
    case calendar
    /// A CardDAV address book collection (RFC 6352 §5.2).
    case addressbook
}

/// A calendar, task list or address book.
public struct DAVCollection: Hashable, Sendable, Codable {
    public var id: DAVCollectionID
    public var account: AccountID
    public var kind: DAVCollectionKind
    /// The URL segment; unique per account and kind.
    public var name: String
    /// DAV:displayname (RFC 4918 §15.2).
    public var displayName: String?
    /// CALDAV:calendar-description (RFC 4791 §5.2.1) or CARDDAV:addressbook-description (RFC 6352 §6.2.1).
    public var description: String?
    /// The client's colour (Apple's calendar-color), as sent.
    public var color: String?
    /// The client's ordering (Apple's calendar-order).
    public var sortOrder: Int?
    /// CALDAV:calendar-timezone (RFC 4791 §5.2.2): a VCALENDAR with one VTIMEZONE, as sent.
    public var timezone: String?
    /// CALDAV:supported-calendar-component-set (RFC 4791 §5.2.3), uppercase; empty for address books.
    public var components: [String]
    /// The modseq of the last change in the collection: the CTag and the newest sync token.
    public var modseq: Int64
    public var createdAt: Date

    /// Components of a calendar created without an explicit set: RFC 4791 §5.2.3 says a calendar
    /// without the property accepts every component type.
    public static let allCalendarComponents = ["VEVENT", "VTODO", "VJOURNAL"]

    public init(
        id: DAVCollectionID, account: AccountID, kind: DAVCollectionKind, name: String, displayName: String?,
        description: String?, color: String?, sortOrder: Int?, timezone: String?, components: [String],
        modseq: Int64, createdAt: Date
    ) {
        self.id = id
        self.account = account
        self.kind = kind
        self.name = name
        self.displayName = displayName
        self.description = description
        self.color = color
        self.sortOrder = sortOrder
        self.timezone = timezone
        self.components = components
        self.modseq = modseq
        self.createdAt = createdAt
    }
}

/// One field of `DAVCollectionChanges`: leave it, set it, or remove it (PROPPATCH remove).
public enum DAVValueChange<Value: Hashable & Sendable>: Hashable, Sendable {
    case keep
    case set(Value)
    case remove
}

/// The fields `updateCollection` changes (RFC 4918 §9.2 PROPPATCH of the live properties we store).
public struct DAVCollectionChanges: Hashable, Sendable {
    public var displayName: DAVValueChange<String>
    public var description: DAVValueChange<String>
    public var color: DAVValueChange<String>
    public var sortOrder: DAVValueChange<Int>
    public var timezone: DAVValueChange<String>

    public init(
        displayName: DAVValueChange<String> = .keep, description: DAVValueChange<String> = .keep,
        color: DAVValueChange<String> = .keep, sortOrder: DAVValueChange<Int> = .keep,
        timezone: DAVValueChange<String> = .keep
    ) {
        self.displayName = displayName
        self.description = description
        self.color = color
        self.sortOrder = sortOrder
        self.timezone = timezone
    }

    /// True when every field is `.keep`.
    public var isEmpty: Bool {
        displayName == .keep && description == .keep && color == .keep && sortOrder == .keep && timezone == .keep
    }
}

/// A stored calendar object or vCard with its content.
public struct DAVObject: Hashable, Sendable {
    public var collection: DAVCollectionID
    /// The URL segment, e.g. "abc.ics"; unique per collection.
    public var name: String
    /// The iCalendar or vCard UID; unique per collection.
    public var uid: String
    /// Strong, quoted entity tag (RFC 9110 §8.8.3).
    public var etag: String
    /// The bytes exactly as PUT.
    public var content: [UInt8]
    public var contentType: String
    /// The main component, uppercase: VEVENT, VTODO, VJOURNAL, VCARD, ...
    public var component: String
    public var size: Int64
    public var modseq: Int64
    /// Start of a UTC span covering every instance (nil: unbounded); a prefilter for time ranges.
    public var firstStart: Date?
    /// End of that span (nil: unbounded).
    public var lastEnd: Date?
    public var updatedAt: Date
}

/// A stored object without its content: PROPFIND Depth 1 and sync-collection answers.
public struct DAVObjectSummary: Hashable, Sendable {
    public var collection: DAVCollectionID
    public var name: String
    public var uid: String
    public var etag: String
    public var contentType: String
    public var component: String
    public var size: Int64
    public var modseq: Int64
    public var updatedAt: Date
}

/// A PUT of one calendar object or vCard (RFC 4791 §5.3.2, RFC 6352 §6.3.2).
public struct DAVPutRequest: Hashable, Sendable {
    public var collection: DAVCollectionID
    public var name: String
    public var uid: String
    public var content: [UInt8]
    public var contentType: String
    public var component: String
    public var firstStart: Date?
    public var lastEnd: Date?
    /// If-Match (RFC 9110 §13.1.1): ETags, or ["*"]; nil when absent.
    public var ifMatch: [String]?
    /// If-None-Match (RFC 9110 §13.1.2): ETags, or ["*"] (the resource must not exist); nil when absent.
    public var ifNoneMatch: [String]?

    public init(
        collection: DAVCollectionID, name: String, uid: String, content: [UInt8], contentType: String,
        component: String, firstStart: Date? = nil, lastEnd: Date? = nil, ifMatch: [String]? = nil,
        ifNoneMatch: [String]? = nil
    ) {
        self.collection = collection
        self.name = name
        self.uid = uid
        self.content = content
        self.contentType = contentType
        self.component = component
        self.firstStart = firstStart
        self.lastEnd = lastEnd
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
    }
}

/// The outcome of a PUT, COPY or MOVE.
public struct DAVPutResult: Hashable, Sendable {
    /// True when the target did not exist (HTTP 201), false when it was replaced (204).
    public var created: Bool
    public var etag: String
    /// The target collection's modseq after the change.
    public var modseq: Int64
}

/// What changed in a collection after a sync token (RFC 6578 §3.5).
public struct DAVChanges: Hashable, Sendable {
    /// Objects written after the token, by ascending modseq.
    public var changed: [DAVObjectSummary]
    /// Names removed after the token (never also in `changed`); empty for an initial sync.
    public var deleted: [String]
    /// The new sync token: the collection's modseq, or the last one reported when `truncated`.
    public var modseq: Int64
    /// True when `limit` cut the answer (RFC 6578 §3.6): ask again from `modseq`.
    public var truncated: Bool
}

/// The qualified name of a property (RFC 4918 §4.3).
public struct DAVPropertyName: Hashable, Sendable, Codable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
}

/// A dead property (RFC 4918 §4.1): stored as the client sent it, the value as serialized XML.
public struct DAVDeadProperty: Hashable, Sendable, Codable {
    public var namespace: String
    public var name: String
    public var value: String

    public init(namespace: String, name: String, value: String) {
        self.namespace = namespace
        self.name = name
        self.value = value
    }

    public var qualifiedName: DAVPropertyName { DAVPropertyName(namespace: namespace, name: name) }
}

extension MailStore {
    /// Longest collection or object name in UTF-8 bytes (one URL segment).
    public static let maxDAVNameBytes = 255
    /// Largest stored calendar object or vCard.
    public static let maxDAVObjectBytes = 10 * 1024 * 1024
    /// Longest UID in UTF-8 bytes.
    public static let maxDAVUIDBytes = 1024
    /// The collections every account gets (see `ensureDefaultCollections`).
    public static let defaultDAVCollections:
        [(kind: DAVCollectionKind, name: String, displayName: String, components: [String])] = [
            (.calendar, "calendar", "Calendar", ["VEVENT"]),
            (.calendar, "tasks", "Tasks", ["VTODO"]),
            (.addressbook, "contacts", "Contacts", []),
        ]
}

extension Schema {
    static let v5Groupware = """
        CREATE TABLE dav_collections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('calendar', 'addressbook')),
            name TEXT NOT NULL,
            display_name TEXT,
            description TEXT,
            color TEXT,
            sort_order INTEGER,
            timezone TEXT,
            components TEXT,
            modseq INTEGER NOT NULL,
            sync_horizon INTEGER NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (account_id, kind, name)
        );

        CREATE TABLE dav_objects (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            uid TEXT NOT NULL,
            etag TEXT NOT NULL,
            content BLOB NOT NULL,
            content_type TEXT NOT NULL,
            component TEXT NOT NULL,
            size INTEGER NOT NULL,
            modseq INTEGER NOT NULL,
            first_start REAL,
            last_end REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (collection_id, name),
            UNIQUE (collection_id, uid)
        );
        CREATE INDEX dav_objects_modseq ON dav_objects(collection_id, modseq);

        -- RFC 6578 §3.5: names removed from a collection, with the modseq of their removal.
        CREATE TABLE dav_tombstones (
            collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            modseq INTEGER NOT NULL,
            deleted_at REAL NOT NULL,
            PRIMARY KEY (collection_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX dav_tombstones_modseq ON dav_tombstones(collection_id, modseq);

        -- RFC 4918 §4.1 dead properties; object_name '' is the collection itself.
        CREATE TABLE dav_properties (
            collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
            object_name TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (collection_id, object_name, namespace, name)
        ) WITHOUT ROWID;
        """

    /// The default collections of the accounts that exist when v5 runs (frozen SQL: a migration must
    /// not depend on code that later versions change). `?` is the creation time.
    static let v5GroupwareDefaults = """
        INSERT INTO counters(name, value) VALUES ('dav_modseq', max(1, CAST(? AS INTEGER)));
        INSERT INTO dav_collections(account_id, kind, name, display_name, components, modseq, sync_horizon,
            created_at)
        SELECT a.id, d.kind, d.name, d.display_name, d.components, c.value, c.value, ?
        FROM accounts a, counters c,
            (SELECT 'calendar' AS kind, 'calendar' AS name, 'Calendar' AS display_name, 'VEVENT' AS components
             UNION ALL SELECT 'calendar', 'tasks', 'Tasks', 'VTODO'
             UNION ALL SELECT 'addressbook', 'contacts', 'Contacts', NULL) d
        WHERE c.name = 'dav_modseq';
        """
}

// MARK: - Collections

extension MailStore {
    /// Creates a calendar or address book (MKCALENDAR RFC 4791 §5.3.1, extended MKCOL RFC 5689 §3).
    /// An empty `components` for a calendar means all of `DAVCollection.allCalendarComponents`; an
    /// address book takes none. Throws `invalidName`, `invalidArgument`, `notFound` (the account) or
    /// `alreadyExists` (the name is taken for that kind).
    @discardableResult
    public func createCollection(
        account: AccountID, kind: DAVCollectionKind, name: String, displayName: String? = nil,
        description: String? = nil, color: String? = nil, timezone: String? = nil, components: [String] = [],
        sortOrder: Int? = nil
    ) async throws -> DAVCollection {
        try Self.checkDAVName(name)
        let components = try Self.normalizedComponents(components, kind: kind)
        return try await write { db in
            guard try Rows.accountExists(db, account) else { throw StoreError.notFound("The account \(account)") }
            let collection = try DAVRows.insertCollection(
                db, account: account, kind: kind, name: name, displayName: displayName, description: description,
                color: color, sortOrder: sortOrder, timezone: timezone, components: components, now: Date())
            try Rows.bumpAccountState(db, account)
            return (collection, [])
        }
    }

    /// The account's collections of one kind (or all), by sort order (unset last), then name.
    public func collections(account: AccountID, kind: DAVCollectionKind? = nil) async throws -> [DAVCollection] {
        try await read { db in
            if let kind {
                return try db.rows(
                    "SELECT \(DAVRows.collectionColumns) WHERE account_id = ? AND kind = ? \(DAVRows.collectionOrder)",
                    [account.rawValue, kind.rawValue]
                ).map(DAVRows.collection)
            }
            return try db.rows(
                "SELECT \(DAVRows.collectionColumns) WHERE account_id = ? \(DAVRows.collectionOrder)",
                [account.rawValue]
            ).map(DAVRows.collection)
        }
    }

    /// A collection by its URL segment; nil if there is none.
    public func collection(account: AccountID, kind: DAVCollectionKind, name: String) async throws -> DAVCollection? {
        try await read { db in
            try db.row(
                "SELECT \(DAVRows.collectionColumns) WHERE account_id = ? AND kind = ? AND name = ?",
                [account.rawValue, kind.rawValue, name]
            ).map(DAVRows.collection)
        }
    }

    /// A collection by id; nil if there is none.
    public func collection(id: DAVCollectionID) async throws -> DAVCollection? {
        try await read { db in try DAVRows.collection(db, id) }
    }

    /// Sets or removes the given fields and bumps the modseq (the CTag changes); returns the result.
    /// An empty change set changes nothing. `notFound` if the collection is gone.
    @discardableResult
    public func updateCollection(_ id: DAVCollectionID, _ changes: DAVCollectionChanges) async throws
        -> DAVCollection
    {
        try await write { db in
            guard let current = try DAVRows.collection(db, id) else {
                throw StoreError.notFound("The collection \(id)")
            }
            guard !changes.isEmpty else { return (current, []) }
            func apply<V: DatabaseValueConvertible & Hashable & Sendable>(_ column: String, _ change: DAVValueChange<V>)
                throws
            {
                switch change {
                case .keep: return
                case .set(let value):
                    try db.run("UPDATE dav_collections SET \(column) = ? WHERE id = ?", [value, id.rawValue])
                case .remove: try db.run("UPDATE dav_collections SET \(column) = NULL WHERE id = ?", [id.rawValue])
                }
            }
            try apply("display_name", changes.displayName)
            try apply("description", changes.description)
            try apply("color", changes.color)
            try apply("sort_order", changes.sortOrder)
            try apply("timezone", changes.timezone)
            _ = try DAVRows.bumpCollection(db, id)
            try Rows.bumpAccountState(db, current.account)
            guard let updated = try DAVRows.collection(db, id) else {
                throw StoreError.notFound("The collection \(id)")
            }
            return (updated, [])
        }
    }

    /// Removes a collection with its objects, tombstones and properties (RFC 4918 §9.6.1).
    public func deleteCollection(_ id: DAVCollectionID) async throws {
        try await write { db -> ((), [StoreChange]) in
            guard let account = try db.int("SELECT account_id FROM dav_collections WHERE id = ?", [id.rawValue]) else {
                throw StoreError.notFound("The collection \(id)")
            }
            try db.run("DELETE FROM dav_collections WHERE id = ?", [id.rawValue])
            try Rows.bumpAccountState(db, AccountID(rawValue: account))
            return ((), [])
        }
    }

    /// Creates those of `defaultDAVCollections` that the account lacks (by kind and name); returns the
    /// ones created. Idempotent, but it re-creates a default the user deleted: call it for accounts
    /// that never had them, not on every request. `createAccount` and the v5 migration already do.
    @discardableResult
    public func ensureDefaultCollections(account: AccountID) async throws -> [DAVCollection] {
        try await write { db in
            guard try Rows.accountExists(db, account) else { throw StoreError.notFound("The account \(account)") }
            let created = try Self.ensureDefaultCollections(db, account: account, now: Date())
            if !created.isEmpty { try Rows.bumpAccountState(db, account) }
            return (created, [])
        }
    }

    /// `ensureDefaultCollections` inside the caller's transaction (`createAccount` uses it).
    @discardableResult
    static func ensureDefaultCollections(_ db: Database, account: AccountID, now: Date) throws -> [DAVCollection] {
        var created: [DAVCollection] = []
        for d in defaultDAVCollections {
            let exists = try db.int(
                "SELECT 1 FROM dav_collections WHERE account_id = ? AND kind = ? AND name = ?",
                [account.rawValue, d.kind.rawValue, d.name])
            if exists != nil { continue }
            created.append(
                try DAVRows.insertCollection(
                    db, account: account, kind: d.kind, name: d.name, displayName: d.displayName, description: nil,
                    color: nil, sortOrder: nil, timezone: nil, components: d.components, now: now))
        }
        return created
    }

    /// Throws `invalidName` unless `name` can be one URL segment: not empty, not "." or "..", no "/",
    /// no control characters, at most `maxDAVNameBytes` UTF-8 bytes.
    public static func checkDAVName(_ name: String) throws {
        guard !name.isEmpty else { throw StoreError.invalidName("a collection or resource name cannot be empty") }
        guard name != ".", name != ".." else { throw StoreError.invalidName("\"\(name)\" is not a resource name") }
        guard name.utf8.count <= maxDAVNameBytes else {
            throw StoreError.invalidName("a resource name is longer than \(maxDAVNameBytes) bytes")
        }
        guard !name.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 < 0x20 || $0 == 0x7F }) else {
            throw StoreError.invalidName("a resource name cannot contain \"/\" or control characters")
        }
    }

    /// Uppercased, without duplicates, order kept; RFC 5545 §3.6 component names are
    /// iana-token / x-name = 1*(ALPHA / DIGIT / "-").
    static func normalizedComponents(_ raw: [String], kind: DAVCollectionKind) throws -> [String] {
        switch kind {
        case .addressbook:
            guard raw.isEmpty else {
                throw StoreError.invalidArgument("an address book has no calendar components")
            }
            return []
        case .calendar:
            var out: [String] = []
            for c in raw {
                let upper = c.uppercased()
                guard !upper.isEmpty, upper.utf8.count <= 64,
                    upper.utf8.allSatisfy({
                        (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-")
                    })
                else { throw StoreError.invalidArgument("\"\(c)\" is not a calendar component name") }
                if !out.contains(upper) { out.append(upper) }
            }
            return out.isEmpty ? DAVCollection.allCalendarComponents : out
        }
    }
}

// MARK: - Objects

extension MailStore {
    /// Stores a calendar object or vCard (RFC 4791 §5.3.2, RFC 6352 §6.3.2) in one transaction:
    /// checks the preconditions (RFC 9110 §13.2.2 order: If-Match, then If-None-Match) and the UID,
    /// writes the object with a new modseq and removes a tombstone of the name.
    /// Throws `notFound` (collection), `preconditionFailed`, `uidConflict`, `invalidName`,
    /// `invalidArgument`, `limitExceeded`.
    @discardableResult
    public func putObject(_ request: DAVPutRequest) async throws -> DAVPutResult {
        try Self.checkDAVName(request.name)
        try Self.checkDAVUID(request.uid)
        guard !request.content.isEmpty else { throw StoreError.invalidArgument("a calendar object or vCard is empty") }
        guard request.content.count <= Self.maxDAVObjectBytes else {
            throw StoreError.limitExceeded("a resource is larger than \(Self.maxDAVObjectBytes) bytes")
        }
        if let start = request.firstStart, let end = request.lastEnd, start > end {
            throw StoreError.invalidArgument("the time span of a resource ends before it starts")
        }
        let etag = Self.davETag(request.content)
        let component = request.component.uppercased()
        return try await write { db in
            guard let account = try DAVRows.account(db, request.collection) else {
                throw StoreError.notFound("The collection \(request.collection)")
            }
            let existing = try db.row(
                "SELECT id, etag FROM dav_objects WHERE collection_id = ? AND name = ?",
                [request.collection.rawValue, request.name])
            try DAVRows.checkPreconditions(
                existingETag: existing.map { row -> String in row["etag"] }, ifMatch: request.ifMatch,
                ifNoneMatch: request.ifNoneMatch)
            try DAVRows.checkUID(db, request.collection, uid: request.uid, replacing: [request.name])
            let modseq = try DAVRows.bumpCollection(db, request.collection)
            let now = Date().storeValue
            let args: StatementArguments = [
                request.uid, etag, Data(request.content), request.contentType, component, request.content.count,
                modseq, request.firstStart?.storeValue, request.lastEnd?.storeValue, now,
            ]
            if let existing {
                let id: Int64 = existing["id"]
                try db.run(
                    """
                    UPDATE dav_objects SET uid = ?, etag = ?, content = ?, content_type = ?, component = ?, size = ?,
                        modseq = ?, first_start = ?, last_end = ?, updated_at = ?
                    WHERE id = ?
                    """, args + [id])
            } else {
                try db.run(
                    """
                    INSERT INTO dav_objects(uid, etag, content, content_type, component, size, modseq, first_start,
                        last_end, updated_at, collection_id, name, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, args + [request.collection.rawValue, request.name, now])
                try db.run(
                    "DELETE FROM dav_tombstones WHERE collection_id = ? AND name = ?",
                    [request.collection.rawValue, request.name])
            }
            try Rows.bumpAccountState(db, account)
            return (DAVPutResult(created: existing == nil, etag: etag, modseq: modseq), [])
        }
    }

    /// One object; nil if it (or its collection) does not exist.
    public func object(collection: DAVCollectionID, name: String) async throws -> DAVObject? {
        try await read { db in
            try db.row(
                "SELECT \(DAVRows.objectColumns) FROM dav_objects WHERE collection_id = ? AND name = ?",
                [collection.rawValue, name]
            ).map(DAVRows.object)
        }
    }

    /// The named objects that exist, in the order of `names` (duplicates once): calendar-multiget
    /// (RFC 4791 §7.9) and addressbook-multiget (RFC 6352 §8.7); the caller answers 404 for the rest.
    public func objects(collection: DAVCollectionID, names: [String]) async throws -> [DAVObject] {
        guard !names.isEmpty else { return [] }
        let list = try Self.jsonStringArray(names)
        let found = try await read { db in
            try db.rows(
                """
                SELECT \(DAVRows.objectColumns) FROM dav_objects
                WHERE collection_id = ? AND name IN (SELECT value FROM json_each(?))
                """, [collection.rawValue, list]
            ).map(DAVRows.object)
        }
        let byName = Dictionary(found.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var seen: Set<String> = []
        return names.compactMap { name in seen.insert(name).inserted ? byName[name] : nil }
    }

    /// Every object of a collection without content, by name. `notFound` if the collection is gone.
    public func objectSummaries(collection: DAVCollectionID) async throws -> [DAVObjectSummary] {
        try await read { db in
            guard try DAVRows.account(db, collection) != nil else {
                throw StoreError.notFound("The collection \(collection)")
            }
            return try db.rows(
                "SELECT \(DAVRows.summaryColumns) FROM dav_objects WHERE collection_id = ? ORDER BY name",
                [collection.rawValue]
            ).map(DAVRows.summary)
        }
    }

    /// Candidates for a calendar-query (RFC 4791 §7.8), by name: objects of `component` (any when nil)
    /// whose stored span may overlap `overlapping` (all when nil). A prefilter: the bounds compare
    /// inclusively and a nil bound is unbounded, so every object that truly overlaps is returned; the
    /// caller applies the exact rules of RFC 4791 §9.9. `notFound` if the collection is gone.
    public func objects(
        collection: DAVCollectionID, overlapping range: (start: Date, end: Date)?, component: String?
    ) async throws -> [DAVObject] {
        let bounds = range.map { ($0.start.storeValue, $0.end.storeValue) }
        let component = component?.uppercased()
        return try await read { db in
            guard try DAVRows.account(db, collection) != nil else {
                throw StoreError.notFound("The collection \(collection)")
            }
            var sql = "SELECT \(DAVRows.objectColumns) FROM dav_objects WHERE collection_id = ?"
            var args: StatementArguments = [collection.rawValue]
            if let component {
                sql += " AND component = ?"
                args += [component]
            }
            if let bounds {
                sql += " AND (first_start IS NULL OR first_start <= ?) AND (last_end IS NULL OR last_end >= ?)"
                args += [bounds.1, bounds.0]
            }
            return try db.rows(sql + " ORDER BY name", args).map(DAVRows.object)
        }
    }

    /// Removes an object and leaves a tombstone with the new modseq (RFC 6578 §3.5); returns that modseq.
    /// `notFound` if the object or collection does not exist, `preconditionFailed` if `ifMatch` fails.
    @discardableResult
    public func deleteObject(collection: DAVCollectionID, name: String, ifMatch: [String]? = nil) async throws
        -> Int64
    {
        try await write { db in
            guard let account = try DAVRows.account(db, collection) else {
                throw StoreError.notFound("The collection \(collection)")
            }
            guard
                let existing = try db.row(
                    "SELECT id, etag FROM dav_objects WHERE collection_id = ? AND name = ?",
                    [collection.rawValue, name])
            else { throw StoreError.notFound("The resource \(name)") }
            try DAVRows.checkPreconditions(existingETag: existing["etag"] as String, ifMatch: ifMatch, ifNoneMatch: nil)
            let modseq = try DAVRows.bumpCollection(db, collection)
            try DAVRows.removeObject(db, collection, name: name, id: existing["id"], modseq: modseq)
            try Rows.bumpAccountState(db, account)
            return (modseq, [])
        }
    }

    /// Moves an object (RFC 4918 §9.9), also to another collection: the source name gets a tombstone,
    /// the destination the object with its UID, content, ETag and dead properties.
    /// `notFound` (source object or either collection), `preconditionFailed` (`ifMatch` on the source
    /// fails, or the destination exists and `overwrite` is false: RFC 4918 §9.9.3, HTTP 412),
    /// `uidConflict` (another object at the destination has the UID), `invalidArgument` (same source
    /// and destination, RFC 4918 §9.9.4: 403).
    @discardableResult
    public func moveObject(
        from source: DAVCollectionID, name sourceName: String, to destination: DAVCollectionID,
        name destinationName: String, overwrite: Bool, ifMatch: [String]? = nil
    ) async throws -> DAVPutResult {
        try await transfer(
            .move, from: source, name: sourceName, to: destination, name: destinationName, overwrite: overwrite,
            ifMatch: ifMatch)
    }

    /// Copies an object (RFC 4918 §9.8) with its dead properties. Same errors as `moveObject`; a copy
    /// within one collection always conflicts on the UID (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1).
    @discardableResult
    public func copyObject(
        from source: DAVCollectionID, name sourceName: String, to destination: DAVCollectionID,
        name destinationName: String, overwrite: Bool, ifMatch: [String]? = nil
    ) async throws -> DAVPutResult {
        try await transfer(
            .copy, from: source, name: sourceName, to: destination, name: destinationName, overwrite: overwrite,
            ifMatch: ifMatch)
    }

    private enum TransferMode { case move, copy }

    private func transfer(
        _ mode: TransferMode, from source: DAVCollectionID, name sourceName: String, to destination: DAVCollectionID,
        name destinationName: String, overwrite: Bool, ifMatch: [String]?
    ) async throws -> DAVPutResult {
        try Self.checkDAVName(destinationName)
        guard source != destination || sourceName != destinationName else {
            throw StoreError.invalidArgument("the source and the destination are the same resource")
        }
        return try await write { db in
            guard let sourceAccount = try DAVRows.account(db, source) else {
                throw StoreError.notFound("The collection \(source)")
            }
            guard let destinationAccount = try DAVRows.account(db, destination) else {
                throw StoreError.notFound("The collection \(destination)")
            }
            guard
                let object = try db.row(
                    "SELECT id, uid, etag FROM dav_objects WHERE collection_id = ? AND name = ?",
                    [source.rawValue, sourceName])
            else { throw StoreError.notFound("The resource \(sourceName)") }
            try DAVRows.checkPreconditions(existingETag: object["etag"] as String, ifMatch: ifMatch, ifNoneMatch: nil)
            let target = try db.row(
                "SELECT id FROM dav_objects WHERE collection_id = ? AND name = ?",
                [destination.rawValue, destinationName])
            if target != nil, !overwrite {
                throw StoreError.preconditionFailed("the destination \(destinationName) exists and Overwrite is F")
            }
            // A move within one collection keeps the UID it frees at the source.
            let replaced = mode == .move && source == destination ? [destinationName, sourceName] : [destinationName]
            try DAVRows.checkUID(db, destination, uid: object["uid"], replacing: replaced)

            let destinationModSeq = try DAVRows.bumpCollection(db, destination)
            // RFC 4918 §9.9.3 / §9.8.4: an overwritten destination is deleted first, with its properties.
            if let target {
                try db.run("DELETE FROM dav_objects WHERE id = ?", [target["id"] as Int64])
                try db.run(
                    "DELETE FROM dav_properties WHERE collection_id = ? AND object_name = ?",
                    [destination.rawValue, destinationName])
            }
            try db.run(
                "DELETE FROM dav_tombstones WHERE collection_id = ? AND name = ?",
                [destination.rawValue, destinationName])
            let now = Date().storeValue
            let objectID: Int64 = object["id"]
            switch mode {
            case .move:
                try db.run(
                    "UPDATE dav_objects SET collection_id = ?, name = ?, modseq = ?, updated_at = ? WHERE id = ?",
                    [destination.rawValue, destinationName, destinationModSeq, now, objectID])
                try db.run(
                    """
                    UPDATE dav_properties SET collection_id = ?, object_name = ?
                    WHERE collection_id = ? AND object_name = ?
                    """, [destination.rawValue, destinationName, source.rawValue, sourceName])
                var sourceModSeq = destinationModSeq
                if source != destination { sourceModSeq = try DAVRows.bumpCollection(db, source) }
                try db.run(
                    """
                    INSERT OR REPLACE INTO dav_tombstones(collection_id, name, modseq, deleted_at)
                    VALUES (?, ?, ?, ?)
                    """, [source.rawValue, sourceName, sourceModSeq, now])
            case .copy:
                try db.run(
                    """
                    INSERT INTO dav_objects(collection_id, name, uid, etag, content, content_type, component, size,
                        modseq, first_start, last_end, created_at, updated_at)
                    SELECT ?, ?, uid, etag, content, content_type, component, size, ?, first_start, last_end, ?, ?
                    FROM dav_objects WHERE id = ?
                    """, [destination.rawValue, destinationName, destinationModSeq, now, now, objectID])
                try db.run(
                    """
                    INSERT INTO dav_properties(collection_id, object_name, namespace, name, value)
                    SELECT ?, ?, namespace, name, value FROM dav_properties WHERE collection_id = ? AND object_name = ?
                    """, [destination.rawValue, destinationName, source.rawValue, sourceName])
            }
            try Rows.bumpAccountState(db, destinationAccount)
            if sourceAccount != destinationAccount { try Rows.bumpAccountState(db, sourceAccount) }
            return (DAVPutResult(created: target == nil, etag: object["etag"], modseq: destinationModSeq), [])
        }
    }

    /// Throws `invalidArgument` unless the UID is usable: not empty, at most `maxDAVUIDBytes`.
    static func checkDAVUID(_ uid: String) throws {
        guard !uid.isEmpty else { throw StoreError.invalidArgument("a calendar object or vCard needs a UID") }
        guard uid.utf8.count <= maxDAVUIDBytes else {
            throw StoreError.limitExceeded("a UID is longer than \(maxDAVUIDBytes) bytes")
        }
    }

    /// The strong ETag of content: `"` + the first 32 hex digits of its SHA-256 + `"` (RFC 9110 §8.8.3).
    public static func davETag(_ content: [UInt8]) -> String {
        "\"\(hexString(SHA256.hash(data: content)).prefix(32))\""
    }

    /// `["a","b"]` for `json_each(?)`.
    static func jsonStringArray(_ values: [String]) throws -> String {
        let data = try JSONEncoder().encode(values)
        return String(decoding: data, as: UTF8.self)
    }
}

// MARK: - Sync

extension MailStore {
    /// What changed in a collection since the sync token `since` (RFC 6578 §3.5): objects written and
    /// names removed after it. `since` 0 is an initial sync: every object, no removals (RFC 6578 §3.4).
    /// With `limit`, at most about that many entries (changes of one modseq stay together) and
    /// `truncated` set (RFC 6578 §3.6). Throws `syncTokenInvalid` for a token from the future, from
    /// before the collection existed or older than pruned tombstones (RFC 6578 §3.2: 403
    /// DAV:valid-sync-token), `notFound` if the collection is gone.
    ///
    /// Modseqs are unique across collections but a token is only meaningful for the collection that
    /// issued it: the DAV server must put the collection id into its sync-token URIs.
    public func changes(collection: DAVCollectionID, since: Int64, limit: Int? = nil) async throws -> DAVChanges {
        if let limit, limit < 1 { throw StoreError.invalidArgument("a sync limit must be positive") }
        return try await read { db in
            guard
                let row = try db.row(
                    "SELECT modseq, sync_horizon FROM dav_collections WHERE id = ?", [collection.rawValue])
            else { throw StoreError.notFound("The collection \(collection)") }
            let current: Int64 = row["modseq"]
            let horizon: Int64 = row["sync_horizon"]
            guard since == 0 || (since >= horizon && since <= current) else { throw StoreError.syncTokenInvalid }
            let changed = try db.rows(
                """
                SELECT \(DAVRows.summaryColumns) FROM dav_objects WHERE collection_id = ? AND modseq > ?
                ORDER BY modseq, name
                """, [collection.rawValue, since]
            ).map(DAVRows.summary)
            var deleted: [(name: String, modseq: Int64)] = []
            if since != 0 {
                deleted = try db.rows(
                    """
                    SELECT name, modseq FROM dav_tombstones WHERE collection_id = ? AND modseq > ?
                    ORDER BY modseq, name
                    """,
                    [collection.rawValue, since]
                ).map { ($0["name"], $0["modseq"]) }
            }
            guard let limit, changed.count + deleted.count > limit else {
                return DAVChanges(changed: changed, deleted: deleted.map(\.name), modseq: current, truncated: false)
            }
            // The modseq at which to cut: the limit-th smallest of both lists; keep all of that modseq. Never
            // below the horizon: the next page's token must stay valid (an initial sync may exceed `limit`).
            let cut = max((changed.map(\.modseq) + deleted.map(\.modseq)).sorted()[limit - 1], horizon)
            return DAVChanges(
                changed: changed.filter { $0.modseq <= cut }, deleted: deleted.filter { $0.modseq <= cut }.map(\.name),
                modseq: cut, truncated: true)
        }
    }

    /// Deletes tombstones removed before `date` and raises each affected collection's sync horizon, so
    /// that tokens older than the pruned removals are refused rather than answered incompletely.
    /// Returns how many tombstones went.
    @discardableResult
    public func pruneDAVTombstones(deletedBefore date: Date) async throws -> Int {
        try await write { db in
            try db.run(
                """
                UPDATE dav_collections SET sync_horizon = max(sync_horizon, (
                    SELECT max(modseq) FROM dav_tombstones t
                    WHERE t.collection_id = dav_collections.id AND t.deleted_at < ?))
                WHERE id IN (SELECT collection_id FROM dav_tombstones WHERE deleted_at < ?)
                """, [date.storeValue, date.storeValue])
            try db.run("DELETE FROM dav_tombstones WHERE deleted_at < ?", [date.storeValue])
            return (db.changesCount, [])
        }
    }
}

// MARK: - Dead properties

extension MailStore {
    /// Sets and removes dead properties of a collection (`objectName` "") or of one of its objects, in
    /// one transaction (RFC 4918 §9.2: PROPPATCH is atomic); removals run first, then sets. Removing a
    /// property that is not there is not an error (RFC 4918 §14.23). Bumps the collection's modseq, and
    /// the object's, so sync reports the change. `notFound` if the collection or object does not exist.
    public func setDeadProperties(
        collection: DAVCollectionID, objectName: String, set: [DAVDeadProperty], remove: [DAVPropertyName]
    ) async throws {
        guard !set.isEmpty || !remove.isEmpty else { return }
        try await write { db -> ((), [StoreChange]) in
            guard let account = try DAVRows.account(db, collection) else {
                throw StoreError.notFound("The collection \(collection)")
            }
            if !objectName.isEmpty {
                guard
                    try db.int(
                        "SELECT 1 FROM dav_objects WHERE collection_id = ? AND name = ?",
                        [collection.rawValue, objectName])
                        != nil
                else { throw StoreError.notFound("The resource \(objectName)") }
            }
            for p in remove {
                try db.run(
                    """
                    DELETE FROM dav_properties
                    WHERE collection_id = ? AND object_name = ? AND namespace = ? AND name = ?
                    """,
                    [collection.rawValue, objectName, p.namespace, p.name])
            }
            for p in set {
                try db.run(
                    """
                    INSERT OR REPLACE INTO dav_properties(collection_id, object_name, namespace, name, value)
                    VALUES (?, ?, ?, ?, ?)
                    """, [collection.rawValue, objectName, p.namespace, p.name, p.value])
            }
            let modseq = try DAVRows.bumpCollection(db, collection)
            if !objectName.isEmpty {
                try db.run(
                    "UPDATE dav_objects SET modseq = ? WHERE collection_id = ? AND name = ?",
                    [modseq, collection.rawValue, objectName])
            }
            try Rows.bumpAccountState(db, account)
            return ((), [])
        }
    }

    /// The dead properties of a collection (`objectName` "") or object, by namespace and name.
    public func deadProperties(collection: DAVCollectionID, objectName: String) async throws -> [DAVDeadProperty] {
        try await read { db in
            try db.rows(
                """
                SELECT namespace, name, value FROM dav_properties WHERE collection_id = ? AND object_name = ?
                ORDER BY namespace, name
                """, [collection.rawValue, objectName]
            ).map { DAVDeadProperty(namespace: $0["namespace"], name: $0["name"], value: $0["value"]) }
        }
    }
}

// MARK: - Rows

/// Row-level operations of the groupware tables, run inside the caller's transaction.
enum DAVRows {
    static let collectionColumns = """
        id, account_id, kind, name, display_name, description, color, sort_order, timezone, components, modseq,
            created_at FROM dav_collections
        """
    static let collectionOrder = "ORDER BY sort_order IS NULL, sort_order, name"
    static let objectColumns = """
        collection_id, name, uid, etag, content, content_type, component, size, modseq, first_start, last_end,
            updated_at
        """
    static let summaryColumns = "collection_id, name, uid, etag, content_type, component, size, modseq, updated_at"

    static func collection(_ row: Row) throws -> DAVCollection {
        let kindText: String = row["kind"]
        guard let kind = DAVCollectionKind(rawValue: kindText) else {
            throw StoreError.storage("unknown collection kind \(kindText)")
        }
        let components: String? = row["components"]
        let sortOrder: Int64? = row["sort_order"]
        return DAVCollection(
            id: DAVCollectionID(rawValue: row["id"]), account: AccountID(rawValue: row["account_id"]), kind: kind,
            name: row["name"], displayName: row["display_name"], description: row["description"], color: row["color"],
            sortOrder: sortOrder.map { Int(clamping: $0) }, timezone: row["timezone"],
            components: components.map { $0.split(separator: ",").map(String.init) } ?? [], modseq: row["modseq"],
            createdAt: Date(storeValue: row["created_at"]))
    }

    static func collection(_ db: Database, _ id: DAVCollectionID) throws -> DAVCollection? {
        try db.row("SELECT \(collectionColumns) WHERE id = ?", [id.rawValue]).map { try collection($0) }
    }

    /// The owner of a collection; nil if the collection does not exist.
    static func account(_ db: Database, _ id: DAVCollectionID) throws -> AccountID? {
        try db.int("SELECT account_id FROM dav_collections WHERE id = ?", [id.rawValue]).map(AccountID.init(rawValue:))
    }

    static func object(_ row: Row) -> DAVObject {
        let content: Data? = row["content"]
        let firstStart: Double? = row["first_start"]
        let lastEnd: Double? = row["last_end"]
        return DAVObject(
            collection: DAVCollectionID(rawValue: row["collection_id"]), name: row["name"], uid: row["uid"],
            etag: row["etag"], content: content.map { [UInt8]($0) } ?? [], contentType: row["content_type"],
            component: row["component"], size: row["size"], modseq: row["modseq"],
            firstStart: firstStart.map(Date.init(storeValue:)), lastEnd: lastEnd.map(Date.init(storeValue:)),
            updatedAt: Date(storeValue: row["updated_at"]))
    }

    static func summary(_ row: Row) -> DAVObjectSummary {
        DAVObjectSummary(
            collection: DAVCollectionID(rawValue: row["collection_id"]), name: row["name"], uid: row["uid"],
            etag: row["etag"], contentType: row["content_type"], component: row["component"], size: row["size"],
            modseq: row["modseq"], updatedAt: Date(storeValue: row["updated_at"]))
    }

    /// The next value of the global DAV modseq counter.
    static func nextModSeq(_ db: Database) throws -> Int64 {
        guard let value = try db.int("UPDATE counters SET value = value + 1 WHERE name = 'dav_modseq' RETURNING value")
        else { throw StoreError.storage("the DAV modseq counter is missing") }
        return value
    }

    /// Gives the collection a new modseq (one per change operation) and returns it.
    static func bumpCollection(_ db: Database, _ id: DAVCollectionID) throws -> Int64 {
        let modseq = try nextModSeq(db)
        try db.run("UPDATE dav_collections SET modseq = ? WHERE id = ?", [modseq, id.rawValue])
        guard db.changesCount == 1 else { throw StoreError.notFound("The collection \(id)") }
        return modseq
    }

    static func insertCollection(
        _ db: Database, account: AccountID, kind: DAVCollectionKind, name: String, displayName: String?,
        description: String?, color: String?, sortOrder: Int?, timezone: String?, components: [String], now: Date
    ) throws -> DAVCollection {
        if try db.int(
            "SELECT 1 FROM dav_collections WHERE account_id = ? AND kind = ? AND name = ?",
            [account.rawValue, kind.rawValue, name]) != nil
        {
            throw StoreError.alreadyExists("The \(kind == .calendar ? "calendar" : "address book") \(name)")
        }
        // A new collection starts at a fresh modseq and refuses every older token: none was issued for it.
        let modseq = try nextModSeq(db)
        let componentList = kind == .calendar ? components.joined(separator: ",") : nil
        try db.run(
            """
            INSERT INTO dav_collections(account_id, kind, name, display_name, description, color, sort_order,
                timezone, components, modseq, sync_horizon, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                account.rawValue, kind.rawValue, name, displayName, description, color, sortOrder, timezone,
                componentList, modseq, modseq, now.storeValue,
            ])
        return DAVCollection(
            id: DAVCollectionID(rawValue: db.lastInsertedRowID), account: account, kind: kind, name: name,
            displayName: displayName, description: description, color: color, sortOrder: sortOrder,
            timezone: timezone, components: kind == .calendar ? components : [], modseq: modseq,
            createdAt: Date(storeValue: now.storeValue))
    }

    /// RFC 9110 §13.2.2: If-Match is evaluated first (strong comparison, §13.1.1), then If-None-Match
    /// (weak comparison, §13.1.2). `existingETag` nil: the resource does not exist.
    static func checkPreconditions(existingETag: String?, ifMatch: [String]?, ifNoneMatch: [String]?) throws {
        if let ifMatch {
            guard let etag = existingETag, ifMatch.contains("*") || ifMatch.contains(etag) else {
                throw StoreError.preconditionFailed("If-Match does not match the current resource")
            }
        }
        if let ifNoneMatch, let etag = existingETag {
            func opaque(_ tag: String) -> Substring { tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag) }
            if ifNoneMatch.contains("*") || ifNoneMatch.contains(where: { opaque($0) == opaque(etag) }) {
                throw StoreError.preconditionFailed("If-None-Match matches the current resource")
            }
        }
    }

    /// RFC 4791 §5.3.2.1 / RFC 6352 §6.3.2.1 no-uid-conflict: throws `uidConflict` if an object of the
    /// collection other than those named in `replacing` has the UID.
    static func checkUID(_ db: Database, _ collection: DAVCollectionID, uid: String, replacing: [String]) throws {
        guard
            let other = try String.fetchOne(
                db.cachedStatement(sql: "SELECT name FROM dav_objects WHERE collection_id = ? AND uid = ?"),
                arguments: [collection.rawValue, uid])
        else { return }
        if !replacing.contains(other) { throw StoreError.uidConflict(existingName: other) }
    }

    /// Deletes an object with its dead properties and leaves a tombstone at `modseq`.
    static func removeObject(_ db: Database, _ collection: DAVCollectionID, name: String, id: Int64, modseq: Int64)
        throws
    {
        try db.run("DELETE FROM dav_objects WHERE id = ?", [id])
        try db.run(
            "DELETE FROM dav_properties WHERE collection_id = ? AND object_name = ?", [collection.rawValue, name])
        try db.run(
            "INSERT OR REPLACE INTO dav_tombstones(collection_id, name, modseq, deleted_at) VALUES (?, ?, ?, ?)",
            [collection.rawValue, name, modseq, Date().storeValue])
    }
}
