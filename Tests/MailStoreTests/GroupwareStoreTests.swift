// Groupware storage (CalDAV RFC 4791, CardDAV RFC 6352, sync-collection RFC 6578): default collections,
// names, ETags and conditional PUT (RFC 9110 §13), UID uniqueness, tombstones and sync tokens, time-range
// prefilter, dead properties, MOVE/COPY, cascades and persistence, against real SQLite.

import Foundation
import MailTestSupport
import Testing

@testable import MailStore

/// The StoreError cases, without their messages, so expectations compare the kind of davFailure.
enum DAVFailure: Equatable {
    case notFound, alreadyExists, invalidName, invalidArgument, limitExceeded, preconditionFailed
    case uidConflict(String)
    case syncTokenInvalid
    case other(String)
}

/// The davFailure of `body`; nil when it succeeds.
func davFailure<T>(_ body: () async throws -> T) async -> DAVFailure? {
    do {
        _ = try await body()
        return nil
    } catch let error as StoreError {
        switch error {
        case .notFound: return .notFound
        case .alreadyExists: return .alreadyExists
        case .invalidName: return .invalidName
        case .invalidArgument: return .invalidArgument
        case .limitExceeded: return .limitExceeded
        case .preconditionFailed: return .preconditionFailed
        case .uidConflict(let name): return .uidConflict(name)
        case .syncTokenInvalid: return .syncTokenInvalid
        default: return .other("\(error)")
        }
    } catch {
        return .other("\(error)")
    }
}

extension StoreFixture {
    func calendar(_ name: String = "calendar") async throws -> DAVCollection {
        guard let c = try await store.collection(account: account.id, kind: .calendar, name: name) else {
            throw StoreError.notFound("The calendar \(name)")
        }
        return c
    }

    @discardableResult
    func put(
        _ collection: DAVCollectionID, _ name: String, uid: String? = nil, body: String? = nil,
        component: String = "VEVENT", span: (Double?, Double?) = (nil, nil), ifMatch: [String]? = nil,
        ifNoneMatch: [String]? = nil
    ) async throws -> DAVPutResult {
        let uid = uid ?? "uid-\(name)"
        let text =
            body ?? "BEGIN:VCALENDAR\r\nBEGIN:\(component)\r\nUID:\(uid)\r\nEND:\(component)\r\nEND:VCALENDAR\r\n"
        return try await store.putObject(
            DAVPutRequest(
                collection: collection, name: name, uid: uid, content: Array(text.utf8),
                contentType: "text/calendar; charset=utf-8", component: component,
                firstStart: span.0.map(Date.init(timeIntervalSince1970:)),
                lastEnd: span.1.map(Date.init(timeIntervalSince1970:)), ifMatch: ifMatch, ifNoneMatch: ifNoneMatch))
    }

    func count(_ table: String) async throws -> Int {
        Int(try await store.debugValue("SELECT COUNT(*) FROM \(table)") ?? "") ?? -1
    }
}

@Suite struct GroupwareStoreTests {
    // MARK: Collections

    @Test func newAccountHasTheDefaultCollections() async throws {
        let f = try await StoreFixture.make()
        let all = try await f.store.collections(account: f.account.id)
        #expect(all.map(\.name) == ["calendar", "contacts", "tasks"])
        let calendars = try await f.store.collections(account: f.account.id, kind: .calendar)
        #expect(calendars.map(\.name) == ["calendar", "tasks"])
        #expect(calendars.map(\.components) == [["VEVENT"], ["VTODO"]])
        #expect(calendars.map(\.displayName) == ["Calendar", "Tasks"])
        let books = try await f.store.collections(account: f.account.id, kind: .addressbook)
        #expect(books.map(\.name) == ["contacts"] && books.map(\.displayName) == ["Contacts"])
        #expect(books.first?.components == [])
        // Nothing is missing, so ensuring creates nothing.
        #expect(try await f.store.ensureDefaultCollections(account: f.account.id).isEmpty)
    }

    @Test func ensureDefaultCollectionsRecreatesOnlyWhatIsMissing() async throws {
        let f = try await StoreFixture.make()
        let tasks = try await f.calendar("tasks")
        try await f.store.deleteCollection(tasks.id)
        let created = try await f.store.ensureDefaultCollections(account: f.account.id)
        #expect(created.map(\.name) == ["tasks"])
        #expect(created.first?.id != tasks.id)
        #expect(try await f.store.ensureDefaultCollections(account: f.account.id).isEmpty)
        #expect(try await f.store.collections(account: f.account.id).count == 3)
        #expect(
            await davFailure { try await f.store.ensureDefaultCollections(account: AccountID(rawValue: 999)) }
                == .notFound)
    }

    @Test func migrationGivesExistingAccountsTheDefaults() async throws {
        var f = try await StoreFixture.make()
        // Return the database to the state before v5, with the account already there.
        try await f.store.debugExecute(
            """
            DROP TABLE dav_properties; DROP TABLE dav_tombstones; DROP TABLE dav_objects; DROP TABLE dav_collections;
            DELETE FROM counters WHERE name = 'dav_modseq';
            DELETE FROM grdb_migrations WHERE identifier = 'v5-groupware';
            """)
        f = try await f.reopened()
        let all = try await f.store.collections(account: f.account.id)
        #expect(all.map(\.name) == ["calendar", "contacts", "tasks"])
        #expect(all.map(\.components) == [["VEVENT"], [], ["VTODO"]])
        let c = try await f.calendar()
        try await f.put(c.id, "a.ics")
        #expect(try await f.calendar().modseq > c.modseq)
        #expect(try await f.store.changes(collection: c.id, since: c.modseq).changed.map(\.name) == ["a.ics"])
        #expect(try await f.store.checkIntegrity() == [])
    }

    @Test func createCollectionValidatesAndRefusesTakenNames() async throws {
        let f = try await StoreFixture.make()
        let a = f.account.id
        let work = try await f.store.createCollection(
            account: a, kind: .calendar, name: "work", displayName: "Work", description: "Office", color: "#FF0000FF",
            timezone: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", components: ["vevent", "VTODO", "VEVENT"], sortOrder: 2)
        #expect(work.components == ["VEVENT", "VTODO"])
        #expect(try await f.store.collection(id: work.id) == work)
        #expect(try await f.store.collection(account: a, kind: .calendar, name: "work") == work)
        #expect(try await f.store.collection(account: a, kind: .addressbook, name: "work") == nil)
        #expect(
            await davFailure { try await f.store.createCollection(account: a, kind: .calendar, name: "work") }
                == .alreadyExists)
        // Names are per kind: an address book may share it.
        let book = try await f.store.createCollection(account: a, kind: .addressbook, name: "work")
        #expect(book.components == [])
        // No components given: a calendar takes every kind (RFC 4791 §5.2.3).
        let any = try await f.store.createCollection(account: a, kind: .calendar, name: "any")
        #expect(any.components == DAVCollection.allCalendarComponents)
        // Explicit sort order first, then by name.
        #expect(
            try await f.store.collections(account: a, kind: .calendar).map(\.name) == [
                "work", "any", "calendar", "tasks",
            ])
        #expect(
            await davFailure {
                try await f.store.createCollection(account: AccountID(rawValue: 999), kind: .calendar, name: "x")
            } == .notFound)
    }

    @Test(
        arguments: [
            ("", DAVFailure.invalidName), ("a/b", .invalidName), (".", .invalidName), ("..", .invalidName),
            ("tab\there", .invalidName), ("del\u{7F}", .invalidName),
            (String(repeating: "é", count: 128), .invalidName),
            (String(repeating: "x", count: 255), nil), ("Ünïcode name", nil), ("..x", nil),
        ] as [(String, DAVFailure?)])
    func collectionNames(name: String, expected: DAVFailure?) async throws {
        let f = try await StoreFixture.make()
        #expect(
            await davFailure { try await f.store.createCollection(account: f.account.id, kind: .calendar, name: name) }
                == expected)
    }

    @Test(
        arguments: [
            (DAVCollectionKind.calendar, ["V EVENT"], DAVFailure.invalidArgument), (.calendar, [""], .invalidArgument),
            (.calendar, ["VEVENT,VTODO"], .invalidArgument), (.addressbook, ["VCARD"], .invalidArgument),
            (.calendar, ["X-CUSTOM-1"], nil),
        ] as [(DAVCollectionKind, [String], DAVFailure?)])
    func componentSets(kind: DAVCollectionKind, components: [String], expected: DAVFailure?) async throws {
        let f = try await StoreFixture.make()
        #expect(
            await davFailure {
                try await f.store.createCollection(account: f.account.id, kind: kind, name: "c", components: components)
            } == expected)
    }

    @Test func updateCollectionSetsRemovesAndBumpsTheModSeq() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let updated = try await f.store.updateCollection(
            c.id, DAVCollectionChanges(description: .set("Mine"), color: .set("#00FF00"), sortOrder: .set(-3)))
        #expect(updated.displayName == "Calendar" && updated.description == "Mine" && updated.color == "#00FF00")
        #expect(updated.sortOrder == -3)
        #expect(updated.modseq > c.modseq)
        let removed = try await f.store.updateCollection(
            c.id, DAVCollectionChanges(displayName: .remove, color: .remove, sortOrder: .remove, timezone: .set("TZ")))
        #expect(removed.displayName == nil && removed.color == nil && removed.sortOrder == nil)
        #expect(removed.description == "Mine" && removed.timezone == "TZ")
        #expect(removed.modseq > updated.modseq)
        // Nothing to change: nothing changes, not even the CTag.
        #expect(try await f.store.updateCollection(c.id, DAVCollectionChanges()) == removed)
        #expect(try await f.store.collection(id: c.id) == removed)
        try await f.store.deleteCollection(c.id)
        #expect(
            await davFailure { try await f.store.updateCollection(c.id, DAVCollectionChanges(color: .remove)) }
                == .notFound)
        #expect(await davFailure { try await f.store.deleteCollection(c.id) } == .notFound)
        #expect(try await f.store.collection(id: c.id) == nil)
    }

    // MARK: PUT

    @Test func putCreatesThenReplacesWithContentETags() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let body1 = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nSUMMARY:one\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let first = try await f.put(c.id, "e.ics", uid: "u1", body: body1, component: "vevent", span: (100, 200))
        #expect(first.created)
        #expect(first.etag == MailStore.davETag(Array(body1.utf8)))
        #expect(first.etag.hasPrefix("\"") && first.etag.hasSuffix("\"") && first.etag.count == 34)
        let stored = try #require(try await f.store.object(collection: c.id, name: "e.ics"))
        #expect(stored.content == Array(body1.utf8))
        #expect(stored.uid == "u1" && stored.component == "VEVENT" && stored.etag == first.etag)
        #expect(stored.size == Int64(body1.utf8.count) && stored.modseq == first.modseq)
        #expect(
            stored.firstStart == Date(timeIntervalSince1970: 100) && stored.lastEnd == Date(timeIntervalSince1970: 200))
        #expect(stored.contentType == "text/calendar; charset=utf-8")

        let body2 = body1.replacingOccurrences(of: "one", with: "two")
        let second = try await f.put(c.id, "e.ics", uid: "u1", body: body2)
        #expect(!second.created)
        #expect(second.etag != first.etag && second.modseq > first.modseq)
        #expect(try await f.store.object(collection: c.id, name: "e.ics")?.content == Array(body2.utf8))
        #expect(try await f.store.object(collection: c.id, name: "e.ics")?.firstStart == nil)
        #expect(try await f.calendar().modseq == second.modseq)
        // Equal bytes, equal ETag (in another collection too).
        let tasks = try await f.calendar("tasks")
        #expect(try await f.put(tasks.id, "copy.ics", uid: "u1", body: body2).etag == second.etag)
        #expect(try await f.store.object(collection: c.id, name: "missing.ics") == nil)
    }

    /// RFC 9110 §13.1.1 (If-Match, strong comparison) and §13.1.2 (If-None-Match, weak comparison).
    @Test(
        arguments: [
            // exists, If-Match, If-None-Match, expected
            (true, nil, ["*"], DAVFailure.preconditionFailed), (false, nil, ["*"], nil),
            (false, ["*"], nil, .preconditionFailed), (true, ["*"], nil, nil),
            (true, ["\"0000\""], nil, .preconditionFailed), (true, ["\"0000\"", "CURRENT"], nil, nil),
            (true, ["W/CURRENT"], nil, .preconditionFailed), (true, nil, ["CURRENT"], .preconditionFailed),
            (true, nil, ["W/CURRENT"], .preconditionFailed), (true, nil, ["\"0000\""], nil),
            (false, ["CURRENT"], nil, .preconditionFailed), (true, [], nil, .preconditionFailed), (true, nil, [], nil),
            (true, ["CURRENT"], ["*"], .preconditionFailed),
        ] as [(Bool, [String]?, [String]?, DAVFailure?)])
    func conditionalPut(exists: Bool, ifMatch: [String]?, ifNoneMatch: [String]?, expected: DAVFailure?) async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        var etag = "\"none\""
        if exists { etag = try await f.put(c.id, "e.ics", body: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").etag }
        func resolve(_ tags: [String]?) -> [String]? {
            tags?.map { $0.replacingOccurrences(of: "CURRENT", with: etag) }
        }
        let before = try await f.calendar().modseq
        let result = await davFailure {
            try await f.put(c.id, "e.ics", ifMatch: resolve(ifMatch), ifNoneMatch: resolve(ifNoneMatch))
        }
        #expect(result == expected)
        // A refused PUT changes nothing.
        if expected != nil {
            #expect(try await f.calendar().modseq == before)
            #expect(try await f.store.object(collection: c.id, name: "e.ics")?.etag == (exists ? etag : nil))
        }
    }

    @Test func putRefusesADuplicateUIDInTheSameCollectionOnly() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        try await f.put(c.id, "a.ics", uid: "same")
        #expect(await davFailure { try await f.put(c.id, "b.ics", uid: "same") } == .uidConflict("a.ics"))
        #expect(try await f.store.object(collection: c.id, name: "b.ics") == nil)
        // Replacing the resource that holds the UID is fine, so is another collection.
        #expect(
            try await f.put(c.id, "a.ics", uid: "same", body: "BEGIN:VCALENDAR\r\nX:2\r\nEND:VCALENDAR\r\n").created
                == false)
        #expect(try await f.put(try await f.calendar("tasks").id, "b.ics", uid: "same").created)
        // Changing a resource's UID frees the old one.
        try await f.put(c.id, "a.ics", uid: "other")
        #expect(try await f.put(c.id, "b.ics", uid: "same").created)
    }

    /// Checks and writes are one transaction: of racing creators, exactly one wins.
    @Test func racingCreatesHaveOneWinner() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let sameUID = await withTaskGroup(of: DAVFailure?.self) { group in
            for i in 0..<8 { group.addTask { await davFailure { try await f.put(c.id, "e\(i).ics", uid: "one") } } }
            return await group.reduce(into: [DAVFailure?]()) { $0.append($1) }
        }
        #expect(sameUID.filter { $0 == nil }.count == 1)
        #expect(sameUID.filter { if case .uidConflict = $0 { true } else { false } }.count == 7)
        let sameName = await withTaskGroup(of: DAVFailure?.self) { group in
            for i in 0..<8 {
                group.addTask {
                    await davFailure { try await f.put(c.id, "n.ics", uid: "n\(i)", ifNoneMatch: ["*"]) }
                }
            }
            return await group.reduce(into: [DAVFailure?]()) { $0.append($1) }
        }
        #expect(sameName.filter { $0 == nil }.count == 1)
        #expect(sameName.filter { $0 == .preconditionFailed }.count == 7)
        #expect(try await f.store.objectSummaries(collection: c.id).count == 2)
    }

    @Test(
        arguments: [
            (0, 1, 10, DAVFailure.invalidArgument), (1, 0, 10, .invalidArgument),
            (1, MailStore.maxDAVUIDBytes + 1, 10, .limitExceeded), (1, MailStore.maxDAVUIDBytes, 10, nil),
            (MailStore.maxDAVObjectBytes + 1, 1, 10, .limitExceeded), (MailStore.maxDAVObjectBytes, 1, 10, nil),
            (1, 1, -10, .invalidArgument), (1, 1, 0, nil),
        ] as [(Int, Int, Double, DAVFailure?)])
    func putRejectsBadInput(contentBytes: Int, uidBytes: Int, duration: Double, expected: DAVFailure?) async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let content = [UInt8](repeating: UInt8(ascii: "y"), count: contentBytes)
        let uid = String(repeating: "u", count: uidBytes)
        let request = DAVPutRequest(
            collection: c.id, name: "e.ics", uid: uid, content: content, contentType: "text/calendar",
            component: "VEVENT", firstStart: Date(timeIntervalSince1970: 1000),
            lastEnd: Date(timeIntervalSince1970: 1000 + duration))
        #expect(await davFailure { try await f.store.putObject(request) } == expected)
        var badName = request
        badName.name = "a/b.ics"
        #expect(await davFailure { try await f.store.putObject(badName) } == .invalidName)
        var gone = request
        gone.collection = DAVCollectionID(rawValue: 999)
        #expect(await davFailure { try await f.store.putObject(gone) } == (expected ?? .notFound))
    }

    // MARK: Reads

    @Test func multigetKeepsRequestOrderAndSkipsMissing() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        for name in ["a.ics", "b.ics", "c.ics"] { try await f.put(c.id, name) }
        let got = try await f.store.objects(
            collection: c.id, names: ["c.ics", "nope.ics", "a.ics", "c.ics", "it's \"odd\""])
        #expect(got.map(\.name) == ["c.ics", "a.ics"])
        #expect(try await f.store.objects(collection: c.id, names: []).isEmpty)
        let summaries = try await f.store.objectSummaries(collection: c.id)
        #expect(summaries.map(\.name) == ["a.ics", "b.ics", "c.ics"])
        #expect(summaries.map(\.uid) == ["uid-a.ics", "uid-b.ics", "uid-c.ics"])
        #expect(
            await davFailure { try await f.store.objectSummaries(collection: DAVCollectionID(rawValue: 999)) }
                == .notFound)
    }

    /// The prefilter never drops a resource that may overlap; NULL bounds are unbounded.
    @Test(
        arguments: [
            (15.0, 35.0, nil as String?, ["a", "b", "open", "until25"]),
            (20.0, 25.0, nil, ["a", "open", "until25"]),  // inclusive bounds keep a, which ends at 20
            (41.0, 49.0, nil, ["open"]),
            (50.0, 60.0, nil, ["from50", "open"]),
            (0.0, 100.0, "VTODO", ["b"]),
            (0.0, 5.0, "vevent", ["open", "until25"]),
        ] as [(Double, Double, String?, [String])])
    func timeRangePrefilter(start: Double, end: Double, component: String?, expected: [String]) async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        try await f.put(c.id, "a", span: (10, 20))
        try await f.put(c.id, "b", component: "VTODO", span: (30, 40))
        try await f.put(c.id, "until25", span: (nil, 25))
        try await f.put(c.id, "from50", span: (50, nil))
        try await f.put(c.id, "open")
        let found = try await f.store.objects(
            collection: c.id,
            overlapping: (Date(timeIntervalSince1970: start), Date(timeIntervalSince1970: end)), component: component)
        #expect(found.map(\.name) == expected)
        let all = try await f.store.objects(collection: c.id, overlapping: nil, component: nil)
        #expect(all.count == 5)
    }

    // MARK: Delete and sync

    @Test func deleteLeavesATombstoneThatSyncReports() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let a = try await f.put(c.id, "a.ics")
        try await f.put(c.id, "b.ics")
        let token = try await f.calendar().modseq
        #expect(
            await davFailure { try await f.store.deleteObject(collection: c.id, name: "a.ics", ifMatch: ["\"x\""]) }
                == .preconditionFailed)
        let deletedAt = try await f.store.deleteObject(collection: c.id, name: "a.ics", ifMatch: [a.etag])
        #expect(deletedAt > token)
        #expect(await davFailure { try await f.store.deleteObject(collection: c.id, name: "a.ics") } == .notFound)
        try await f.put(c.id, "c.ics")

        let delta = try await f.store.changes(collection: c.id, since: token)
        #expect(delta.deleted == ["a.ics"])
        #expect(delta.changed.map(\.name) == ["c.ics"])
        #expect(delta.modseq == (try await f.calendar().modseq) && !delta.truncated)
        // An initial sync lists what exists and no removals (RFC 6578 §3.4).
        let initial = try await f.store.changes(collection: c.id, since: 0)
        #expect(initial.changed.map(\.name) == ["b.ics", "c.ics"] && initial.deleted.isEmpty)
        // Nothing after the newest token.
        let none = try await f.store.changes(collection: c.id, since: delta.modseq)
        #expect(none.changed.isEmpty && none.deleted.isEmpty && none.modseq == delta.modseq)
        // Writing the name again turns the removal into a change.
        try await f.put(c.id, "a.ics")
        let again = try await f.store.changes(collection: c.id, since: token)
        #expect(again.deleted.isEmpty)
        #expect(again.changed.map(\.name) == ["c.ics", "a.ics"])
    }

    @Test func invalidSyncTokens() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        try await f.put(c.id, "a.ics")
        let current = try await f.calendar().modseq
        for token in [current + 1, Int64.max, -1, 1, c.modseq - 1] {
            #expect(await davFailure { try await f.store.changes(collection: c.id, since: token) } == .syncTokenInvalid)
        }
        #expect(try await f.store.changes(collection: c.id, since: c.modseq).changed.map(\.name) == ["a.ics"])
        #expect(
            await davFailure { try await f.store.changes(collection: c.id, since: 0, limit: 0) } == .invalidArgument)
        // A re-created collection of the same name refuses the old collection's tokens.
        try await f.store.deleteCollection(c.id)
        #expect(await davFailure { try await f.store.changes(collection: c.id, since: current) } == .notFound)
        let again = try await f.store.createCollection(account: f.account.id, kind: .calendar, name: "calendar")
        try await f.put(again.id, "b.ics")
        #expect(
            await davFailure { try await f.store.changes(collection: again.id, since: current) } == .syncTokenInvalid)
    }

    @Test func modseqOnlyGrowsAcrossEveryKindOfChange() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let other = try await f.calendar("tasks")
        var seen = [c.modseq]
        func record() async throws {
            let now = try await f.calendar().modseq
            #expect(now > seen.last ?? 0, "modseq must grow")
            seen.append(now)
        }
        try await f.put(c.id, "a.ics")
        try await record()
        try await f.put(c.id, "a.ics", body: "BEGIN:VCALENDAR\r\nX:1\r\nEND:VCALENDAR\r\n")
        try await record()
        try await f.store.copyObject(from: c.id, name: "a.ics", to: other.id, name: "a.ics", overwrite: false)
        try await f.store.setDeadProperties(
            collection: c.id, objectName: "", set: [DAVDeadProperty(namespace: "urn:x", name: "p", value: "1")],
            remove: [])
        try await record()
        try await f.store.updateCollection(c.id, DAVCollectionChanges(color: .set("#123456")))
        try await record()
        try await f.store.moveObject(from: c.id, name: "a.ics", to: c.id, name: "b.ics", overwrite: false)
        try await record()
        try await f.store.deleteObject(collection: c.id, name: "b.ics")
        try await record()
        // Each object carries the modseq of its last write.
        let moved = try await f.put(c.id, "c.ics")
        #expect(try await f.store.object(collection: c.id, name: "c.ics")?.modseq == moved.modseq)
        #expect(moved.modseq == (try await f.calendar().modseq))
    }

    @Test func truncatedChangesKeepOneModSeqTogetherAndContinue() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        for name in ["a", "b", "c", "d"] { try await f.put(c.id, name) }
        let token = try await f.calendar().modseq
        try await f.put(c.id, "e")
        // A rename: one modseq for the tombstone of "a" and the new "z".
        try await f.store.moveObject(from: c.id, name: "a", to: c.id, name: "z", overwrite: false)
        try await f.put(c.id, "f")

        let page1 = try await f.store.changes(collection: c.id, since: 0, limit: 2)
        #expect(page1.truncated && page1.changed.map(\.name) == ["b", "c"])
        let page2 = try await f.store.changes(collection: c.id, since: page1.modseq, limit: 2)
        #expect(page2.truncated && page2.changed.map(\.name) == ["d", "e"])
        // The rename's tombstone and new name share a modseq: they come together.
        let page3 = try await f.store.changes(collection: c.id, since: page2.modseq, limit: 2)
        #expect(page3.truncated && page3.changed.map(\.name) == ["z"] && page3.deleted == ["a"])
        let page4 = try await f.store.changes(collection: c.id, since: page3.modseq, limit: 2)
        #expect(!page4.truncated && page4.changed.map(\.name) == ["f"] && page4.deleted.isEmpty)
        #expect(page4.modseq == (try await f.calendar().modseq))

        let delta = try await f.store.changes(collection: c.id, since: token, limit: 2)
        // "e", then the rename's two entries, which share a modseq: three entries for a limit of 2.
        #expect(delta.truncated && delta.changed.map(\.name) == ["e", "z"] && delta.deleted == ["a"])
        let rest = try await f.store.changes(collection: c.id, since: delta.modseq, limit: 2)
        #expect(!rest.truncated && rest.changed.map(\.name) == ["f"] && rest.deleted.isEmpty)
    }

    @Test func pruningTombstonesInvalidatesOlderTokensOnly() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        try await f.put(c.id, "x.ics")
        try await f.put(c.id, "y.ics")
        try await f.put(c.id, "a.ics")
        try await f.put(c.id, "b.ics")
        let old = try await f.calendar().modseq
        try await f.store.deleteObject(collection: c.id, name: "a.ics")
        let recent = try await f.calendar().modseq
        try await f.store.deleteObject(collection: c.id, name: "b.ics")
        #expect(try await f.store.pruneDAVTombstones(deletedBefore: Date(timeIntervalSince1970: 0)) == 0)
        #expect(try await f.store.changes(collection: c.id, since: old).deleted == ["a.ics", "b.ics"])
        #expect(try await f.store.pruneDAVTombstones(deletedBefore: Date().addingTimeInterval(60)) == 2)
        #expect(await davFailure { try await f.store.changes(collection: c.id, since: old) } == .syncTokenInvalid)
        #expect(await davFailure { try await f.store.changes(collection: c.id, since: recent) } == .syncTokenInvalid)
        let now = try await f.calendar().modseq
        #expect(try await f.store.changes(collection: c.id, since: now).deleted.isEmpty)
        // An initial sync still works, and its pages never hand out a token below the horizon: the
        // objects older than the pruned removals come in one page, whatever the limit.
        try await f.put(c.id, "c.ics")
        let initial = try await f.store.changes(collection: c.id, since: 0, limit: 1)
        #expect(initial.truncated && initial.changed.map(\.name) == ["x.ics", "y.ics"])
        let next = try await f.store.changes(collection: c.id, since: initial.modseq, limit: 1)
        #expect(!next.truncated && next.changed.map(\.name) == ["c.ics"] && next.deleted.isEmpty)
    }

    // MARK: Dead properties

    @Test func deadPropertiesSetRemoveAndFollowTheirResource() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let color = DAVDeadProperty(namespace: "http://apple.com/ns/ical/", name: "calendar-color", value: "<x/>")
        let note = DAVDeadProperty(
            namespace: "urn:example", name: "note", value: "<n:note xmlns:n=\"urn:example\">hi</n:note>")
        try await f.store.setDeadProperties(collection: c.id, objectName: "", set: [color, note], remove: [])
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "") == [color, note])
        var newColor = color
        newColor.value = "<y/>"
        try await f.store.setDeadProperties(
            collection: c.id, objectName: "", set: [newColor],
            remove: [note.qualifiedName, DAVPropertyName(namespace: "urn:none", name: "absent")])
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "") == [newColor])

        // On an object: the object must exist; a change is reported by sync.
        #expect(
            await davFailure {
                try await f.store.setDeadProperties(collection: c.id, objectName: "e.ics", set: [note], remove: [])
            } == .notFound)
        try await f.put(c.id, "e.ics")
        let token = try await f.calendar().modseq
        try await f.store.setDeadProperties(collection: c.id, objectName: "e.ics", set: [note], remove: [])
        #expect(try await f.store.changes(collection: c.id, since: token).changed.map(\.name) == ["e.ics"])
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "e.ics") == [note])
        // A PUT that replaces the content keeps them; a DELETE removes them with the object.
        try await f.put(c.id, "e.ics", body: "BEGIN:VCALENDAR\r\nX:2\r\nEND:VCALENDAR\r\n")
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "e.ics") == [note])
        try await f.store.deleteObject(collection: c.id, name: "e.ics")
        try await f.put(c.id, "e.ics")
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "e.ics").isEmpty)
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "") == [newColor])
        #expect(
            await davFailure {
                try await f.store.setDeadProperties(
                    collection: DAVCollectionID(rawValue: 999), objectName: "", set: [note], remove: [])
            } == .notFound)
    }

    // MARK: MOVE and COPY

    @Test func moveToAnotherCollection() async throws {
        let f = try await StoreFixture.make()
        let from = try await f.calendar()
        let to = try await f.store.createCollection(account: f.account.id, kind: .calendar, name: "work")
        let put = try await f.put(from.id, "e.ics", uid: "u")
        let prop = DAVDeadProperty(namespace: "urn:x", name: "p", value: "v")
        try await f.store.setDeadProperties(collection: from.id, objectName: "e.ics", set: [prop], remove: [])
        let fromToken = try await f.calendar().modseq
        let toToken = try await f.store.collection(id: to.id)?.modseq ?? 0

        #expect(
            await davFailure {
                try await f.store.moveObject(
                    from: from.id, name: "e.ics", to: to.id, name: "m.ics", overwrite: true, ifMatch: ["\"x\""])
            } == .preconditionFailed)
        let result = try await f.store.moveObject(
            from: from.id, name: "e.ics", to: to.id, name: "m.ics", overwrite: false)
        #expect(result.created && result.etag == put.etag)
        #expect(try await f.store.object(collection: from.id, name: "e.ics") == nil)
        let moved = try #require(try await f.store.object(collection: to.id, name: "m.ics"))
        #expect(moved.uid == "u" && moved.modseq == result.modseq)
        #expect(try await f.store.deadProperties(collection: to.id, objectName: "m.ics") == [prop])
        #expect(try await f.store.deadProperties(collection: from.id, objectName: "e.ics").isEmpty)
        #expect(try await f.store.changes(collection: from.id, since: fromToken).deleted == ["e.ics"])
        #expect(try await f.store.changes(collection: to.id, since: toToken).changed.map(\.name) == ["m.ics"])
        #expect(
            await davFailure {
                try await f.store.moveObject(from: from.id, name: "e.ics", to: to.id, name: "x.ics", overwrite: true)
            } == .notFound)
    }

    @Test func moveAndCopyOntoAnExistingDestination() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let other = try await f.calendar("tasks")
        try await f.put(c.id, "a.ics", uid: "ua")
        try await f.put(other.id, "b.ics", uid: "ub")
        try await f.store.setDeadProperties(
            collection: other.id, objectName: "b.ics",
            set: [DAVDeadProperty(namespace: "urn:x", name: "old", value: "1")],
            remove: [])
        // RFC 4918 §9.8.4 / §9.9.3: Overwrite F and an existing destination is 412.
        #expect(
            await davFailure {
                try await f.store.copyObject(from: c.id, name: "a.ics", to: other.id, name: "b.ics", overwrite: false)
            } == .preconditionFailed)
        #expect(
            await davFailure {
                try await f.store.moveObject(from: c.id, name: "a.ics", to: other.id, name: "b.ics", overwrite: false)
            } == .preconditionFailed)
        let copied = try await f.store.copyObject(
            from: c.id, name: "a.ics", to: other.id, name: "b.ics", overwrite: true)
        #expect(!copied.created)
        #expect(try await f.store.object(collection: other.id, name: "b.ics")?.uid == "ua")
        #expect(try await f.store.object(collection: c.id, name: "a.ics")?.uid == "ua")
        // The overwritten resource's properties went with it.
        #expect(try await f.store.deadProperties(collection: other.id, objectName: "b.ics").isEmpty)
        // Same source and destination: 403 (RFC 4918 §9.8.5, §9.9.4).
        #expect(
            await davFailure {
                try await f.store.moveObject(from: c.id, name: "a.ics", to: c.id, name: "a.ics", overwrite: true)
            } == .invalidArgument)
        #expect(
            await davFailure {
                try await f.store.copyObject(from: c.id, name: "a.ics", to: c.id, name: "a.ics", overwrite: true)
            } == .invalidArgument)
        #expect(
            await davFailure {
                try await f.store.copyObject(from: c.id, name: "a.ics", to: c.id, name: "x/y", overwrite: true)
            } == .invalidName)
        #expect(
            await davFailure {
                try await f.store.copyObject(
                    from: c.id, name: "a.ics", to: DAVCollectionID(rawValue: 999), name: "a.ics", overwrite: true)
            } == .notFound)
    }

    @Test func copyAndMoveKeepUIDsUnique() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        let other = try await f.calendar("tasks")
        try await f.put(c.id, "a.ics", uid: "u")
        try await f.put(other.id, "holder.ics", uid: "u")
        // A copy within one collection duplicates the UID (RFC 4791 §5.3.2.1).
        #expect(
            await davFailure {
                try await f.store.copyObject(from: c.id, name: "a.ics", to: c.id, name: "b.ics", overwrite: false)
            } == .uidConflict("a.ics"))
        // Another collection already has the UID under another name.
        #expect(
            await davFailure {
                try await f.store.moveObject(from: c.id, name: "a.ics", to: other.id, name: "m.ics", overwrite: false)
            } == .uidConflict("holder.ics"))
        #expect(
            await davFailure {
                try await f.store.copyObject(from: c.id, name: "a.ics", to: other.id, name: "m.ics", overwrite: false)
            } == .uidConflict("holder.ics"))
        // Replacing the holder itself is allowed.
        #expect(
            try await f.store.moveObject(from: c.id, name: "a.ics", to: other.id, name: "holder.ics", overwrite: true)
                .created == false)
        #expect(try await f.store.objectSummaries(collection: c.id).isEmpty)
        // A rename within a collection keeps its UID.
        #expect(
            try await f.store.moveObject(
                from: other.id, name: "holder.ics", to: other.id, name: "renamed.ics", overwrite: false
            ).created)
        #expect(try await f.store.objectSummaries(collection: other.id).map(\.name) == ["renamed.ics"])
        #expect(
            try await f.store.copyObject(
                from: other.id, name: "renamed.ics", to: c.id, name: "back.ics", overwrite: false
            ).created)
        #expect(try await f.store.object(collection: other.id, name: "renamed.ics") != nil)
    }

    // MARK: Lifetime

    @Test func deletingACollectionOrAccountRemovesEverythingBelow() async throws {
        let f = try await StoreFixture.make()
        let c = try await f.calendar()
        try await f.put(c.id, "a.ics")
        try await f.put(c.id, "b.ics")
        try await f.store.deleteObject(collection: c.id, name: "b.ics")
        try await f.store.setDeadProperties(
            collection: c.id, objectName: "a.ics", set: [DAVDeadProperty(namespace: "urn:x", name: "p", value: "v")],
            remove: [])
        #expect(try await f.count("dav_objects") == 1)
        #expect(try await f.count("dav_tombstones") == 1)
        #expect(try await f.count("dav_properties") == 1)
        try await f.store.deleteCollection(c.id)
        for table in ["dav_objects", "dav_tombstones", "dav_properties"] {
            #expect(try await f.count(table) == 0, "\(table)")
        }
        #expect(try await f.count("dav_collections") == 2)

        let tasks = try await f.calendar("tasks")
        try await f.put(tasks.id, "t.ics", component: "VTODO")
        try await f.store.setDeadProperties(
            collection: tasks.id, objectName: "", set: [DAVDeadProperty(namespace: "urn:x", name: "p", value: "v")],
            remove: [])
        try await f.store.removeAccount(f.account.id)
        for table in ["dav_collections", "dav_objects", "dav_tombstones", "dav_properties"] {
            #expect(try await f.count(table) == 0, "\(table)")
        }
        #expect(try await f.store.checkIntegrity() == [])
    }

    @Test func everythingSurvivesAReopen() async throws {
        var f = try await StoreFixture.make()
        let c = try await f.calendar()
        let put = try await f.put(c.id, "a.ics", span: (5, 6))
        try await f.put(c.id, "b.ics")
        try await f.store.deleteObject(collection: c.id, name: "b.ics")
        let prop = DAVDeadProperty(namespace: "urn:x", name: "p", value: "v")
        try await f.store.setDeadProperties(collection: c.id, objectName: "", set: [prop], remove: [])
        let before = try await f.calendar()
        let object = try await f.store.object(collection: c.id, name: "a.ics")
        f = try await f.reopened()
        #expect(try await f.calendar() == before)
        #expect(try await f.store.object(collection: c.id, name: "a.ics") == object)
        #expect(object?.etag == put.etag)
        #expect(try await f.store.changes(collection: c.id, since: put.modseq).deleted == ["b.ics"])
        #expect(try await f.store.deadProperties(collection: c.id, objectName: "") == [prop])
        // The counter continues above everything issued before.
        #expect(try await f.put(c.id, "c.ics").modseq > before.modseq)
        try await f.store.close()
    }
}
