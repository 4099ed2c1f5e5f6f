// The WebDAV file area (RFC 4918) in the store: parents and 409, trees removed whole, COPY at depth 0 and
// infinity, MOVE carrying properties, Overwrite, quota accounting and paths with non-ASCII segments,
// against real SQLite.

import Foundation
import MailTestSupport
import Testing

@testable import MailStore

@Suite struct DAVFilesTests {
    func path(_ s: String) throws -> DAVFilePath {
        try DAVFilePath(s.split(separator: "/").map(String.init))
    }

    func names(_ f: StoreFixture, _ of: String) async throws -> [String] {
        try await f.store.davFileMembers(account: f.account.id, of: path(of)).map { $0.path.description }
    }

    func content(_ f: StoreFixture, _ p: String) async throws -> String? {
        try await f.store.davFileContent(account: f.account.id, path: path(p)).map {
            String(decoding: $0.1, as: UTF8.self)
        }
    }

    /// The StoreError case `body` throws; nil when it succeeds.
    func failure<T>(_ body: () async throws -> T) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch StoreError.overQuota {
            return "overQuota"
        } catch let error as StoreError {
            // The case name (every other case carries a message).
            return Mirror(reflecting: error).children.first?.label ?? "\(error)"
        } catch {
            return "\(error)"
        }
    }

    @Test func putNeedsAParentCollectionAndReplacesWithANewETag() async throws {
        let f = try await StoreFixture.make()
        let a = f.account.id
        // RFC 4918 §9.7.1: no parent is a conflict, and nothing is stored.
        #expect(
            await failure {
                try await f.store.putDAVFile(account: a, path: path("docs/a.txt"), content: [1], contentType: "x/y")
            }
                == "conflict")
        try await f.store.makeDAVFileCollection(account: a, path: path("docs"))
        let first = try await f.store.putDAVFile(
            account: a, path: path("docs/a.txt"), content: Array("one".utf8), contentType: "text/plain")
        #expect(first.created)
        let second = try await f.store.putDAVFile(
            account: a, path: path("docs/a.txt"), content: Array("two".utf8), contentType: "text/plain",
            ifMatch: [first.etag])
        #expect(!second.created && second.etag != first.etag)
        #expect(
            await failure {
                try await f.store.putDAVFile(
                    account: a, path: path("docs/a.txt"), content: [1], contentType: "x/y", ifMatch: [first.etag])
            } == "preconditionFailed")
        #expect(try await content(f, "docs/a.txt") == "two")
        // A file is not a parent, and a collection cannot be overwritten by a file or made twice.
        #expect(
            await failure {
                try await f.store.putDAVFile(account: a, path: path("docs/a.txt/b"), content: [1], contentType: "x/y")
            } == "conflict")
        #expect(
            await failure {
                try await f.store.putDAVFile(account: a, path: path("docs"), content: [1], contentType: "x/y")
            }
                == "alreadyExists")
        #expect(
            await failure { try await f.store.makeDAVFileCollection(account: a, path: path("docs")) } == "alreadyExists"
        )
        #expect(
            await failure { try await f.store.makeDAVFileCollection(account: a, path: path("docs/a.txt")) }
                == "alreadyExists")
        #expect(try await names(f, "") == ["/docs"])
        #expect(try await names(f, "docs") == ["/docs/a.txt"])
    }

    @Test func deleteRemovesTheWholeTreeButNotItsNeighbours() async throws {
        let f = try await StoreFixture.make()
        let a = f.account.id
        for c in ["a", "a/b", "ab", "a0"] { try await f.store.makeDAVFileCollection(account: a, path: path(c)) }
        for file in ["a/b/x", "a/y", "ab/z", "a0/w"] {
            try await f.store.putDAVFile(account: a, path: path(file), content: Array(file.utf8), contentType: "t/p")
        }
        try await f.store.deleteDAVFile(account: a, path: path("a"))
        #expect(try await names(f, "") == ["/a0", "/ab"])
        #expect(try await content(f, "ab/z") == "ab/z")
        #expect(try await content(f, "a0/w") == "a0/w")
        #expect(try await f.store.davFile(account: a, path: path("a/b/x")) == nil)
        #expect(await failure { try await f.store.deleteDAVFile(account: a, path: path("a")) } == "notFound")
    }

    @Test func copyAtDepthZeroAndInfinityAndMoveWithProperties() async throws {
        let f = try await StoreFixture.make()
        let a = f.account.id
        // Non-ASCII segments: renaming counts code points, as SQLite's substr does.
        try await f.store.makeDAVFileCollection(account: a, path: path("Ünïcode € e\u{301}"))
        try await f.store.makeDAVFileCollection(account: a, path: path("Ünïcode € e\u{301}/sub"))
        try await f.store.putDAVFile(
            account: a, path: path("Ünïcode € e\u{301}/sub/f"), content: Array("data".utf8), contentType: "t/p")
        let prop = DAVDeadProperty(namespace: "urn:x", name: "colour", value: "<colour xmlns=\"urn:x\">red</colour>")
        try await f.store.setDAVFileProperties(
            account: a, path: path("Ünïcode € e\u{301}/sub/f"), set: [prop], remove: [])

        #expect(
            try await f.store.transferDAVFile(
                account: a, from: path("Ünïcode € e\u{301}"), to: path("shallow"), depth: .resourceOnly,
                overwrite: false,
                move: false))
        #expect(try await names(f, "shallow") == [])
        #expect(
            try await f.store.transferDAVFile(
                account: a, from: path("Ünïcode € e\u{301}"), to: path("deep"), depth: .infinity, overwrite: false,
                move: false))
        #expect(try await content(f, "deep/sub/f") == "data")
        #expect(try await f.store.davFileProperties(account: a, path: path("deep/sub/f")) == [prop])
        // Overwrite F onto an existing destination: 412, nothing changes.
        #expect(
            await failure {
                try await f.store.transferDAVFile(
                    account: a, from: path("deep"), to: path("shallow"), depth: .infinity, overwrite: false, move: true)
            } == "preconditionFailed")
        // MOVE with Overwrite T replaces the destination tree and carries the properties.
        #expect(
            try await f.store.transferDAVFile(
                account: a, from: path("Ünïcode € e\u{301}"), to: path("shallow"), depth: .infinity, overwrite: true,
                move: true)
                == false)
        #expect(try await names(f, "") == ["/deep", "/shallow"])
        #expect(try await content(f, "shallow/sub/f") == "data")
        #expect(try await f.store.davFileProperties(account: a, path: path("shallow/sub/f")) == [prop])
        #expect(try await f.store.davFileProperties(account: a, path: path("Ünïcode € e\u{301}/sub/f")) == [])
        // A tree into itself, or onto its own ancestor, is refused.
        #expect(
            await failure {
                try await f.store.transferDAVFile(
                    account: a, from: path("deep"), to: path("deep/sub/inner"), depth: .infinity, overwrite: true,
                    move: false)
            } == "conflict")
        #expect(
            await failure {
                try await f.store.transferDAVFile(
                    account: a, from: path("deep/sub"), to: path("deep"), depth: .infinity, overwrite: true, move: true)
            } == "conflict")
        #expect(try await content(f, "deep/sub/f") == "data")
    }

    @Test func fileBytesCountTowardTheQuota() async throws {
        let f = try await StoreFixture.make(quotaBytes: 100)
        let a = f.account.id
        try await f.store.putDAVFile(
            account: a, path: path("a"), content: [UInt8](repeating: 1, count: 60), contentType: "t/p")
        #expect(try await f.store.quota(account: a).bytes == 60)
        // A second copy would go over: refused, nothing stored.
        #expect(
            await failure {
                try await f.store.transferDAVFile(
                    account: a, from: path("a"), to: path("b"), depth: .infinity, overwrite: false, move: false)
            } == "overQuota")
        #expect(try await f.store.davFile(account: a, path: path("b")) == nil)
        // Replacing counts the difference; deleting gives the bytes back.
        try await f.store.putDAVFile(
            account: a, path: path("a"), content: [UInt8](repeating: 1, count: 90), contentType: "t/p")
        #expect(try await f.store.quota(account: a).bytes == 90)
        try await f.store.deleteDAVFile(account: a, path: path("a"))
        #expect(try await f.store.quota(account: a).bytes == 0)
    }

    @Test func invalidPathsAreRefused() {
        for bad in [
            [""], ["."], [".."], ["a/b"], ["a\u{0}b"], Array(repeating: "d", count: MailStore.maxDAVFileDepth + 1),
        ] {
            #expect(throws: StoreError.self) { try DAVFilePath(bad) }
        }
    }
}
