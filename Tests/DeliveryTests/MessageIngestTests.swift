import Foundation
import MIME
import MailStore
import MailTestSupport
import ServerSupport
import Testing

@testable import Delivery

@Suite struct MessageIngestTests {
    static let message = Array(
        """
        Return-Path: <sender@example.org>\r
        From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\r
        To: user@example.test, "Bob B." <bob@example.test>\r
        Subject: =?UTF-8?B?UXVhcnRlcmx5IHJlcG9ydCDinJM=?=\r
        Date: Tue, 24 Nov 2026 10:00:00 +0100\r
        Message-ID: <q3@example.org>\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        --b1\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        The zanzibar figures are attached.\r
        --b1\r
        Content-Type: application/pdf; name="q3.pdf"\r
        Content-Disposition: attachment; filename="q3.pdf"\r
        Content-Transfer-Encoding: base64\r
        \r
        JVBERi0xLjQK\r
        --b1--\r
        """.utf8)

    @Test func deliversOneSpoolFileToManyMailboxesStoredOnce() async throws {
        let f = try await StoreFixture.make()
        let bob = try await f.store.createAccount(NewAccount(address: "bob@example.test", passwordHash: "x"))
        let userInbox = try await f.mailbox("INBOX")
        guard let bobInbox = try await f.store.mailbox(account: bob.id, name: "INBOX") else {
            Issue.record("no INBOX")
            return
        }
        let spool = f.directory.appending("spool-1")
        try Data(Self.message).write(to: spool)

        let ingest = MessageIngest(store: f.store)
        let results = try await ingest.deliver(
            .file(spool),
            to: [
                DeliveryTarget(account: f.account.id, mailbox: userInbox.id),
                DeliveryTarget(account: bob.id, mailbox: bobInbox.id),
            ])
        #expect(results.count == 2)
        #expect(!FileManager.default.fileExists(atPath: spool.path), "the spool file is consumed")

        for (mailbox, result) in zip([userInbox.id, bobInbox.id], results) {
            let details = try await f.store.messageDetails(mailbox: mailbox, uids: [result.uid])
            let d = try #require(details.first)
            // Byte for byte what was received.
            #expect(try await f.store.readBlob(d.blob) == Self.message)
            let envelope = try #require(StoredStructure.envelope(d.envelope))
            #expect(envelope.messageID == "<q3@example.org>")
            #expect(envelope.decodedSubject == "Quarterly report ✓")
            let structure = try #require(StoredStructure.structure(d.bodyStructure))
            #expect(structure.bodyStructure.imapString(extended: false).hasPrefix("((\"text\" \"plain\""))
            #expect(d.hasAttachment)
        }
        #expect(results[0].emailID != results[1].emailID || results[0].account != results[1].account)
        // Full-text search sees the decoded body and the decoded header.
        #expect(try await f.store.search(mailbox: userInbox.id, text: "ZANZIBAR", scope: .body) == [results[0].uid])
        #expect(try await f.store.search(mailbox: userInbox.id, text: "André", scope: .headers) == [results[0].uid])
        // SEARCH HEADER by field name, on decoded values (RFC 9051 §6.4.4).
        #expect(
            try await f.store.search(mailbox: userInbox.id, text: "report ✓", scope: .header("subject")) == [
                results[0].uid
            ])
        #expect(
            try await f.store.search(mailbox: userInbox.id, text: "q3@example", scope: .header("Message-ID")) == [
                results[0].uid
            ])
        #expect(try await f.store.search(mailbox: userInbox.id, text: "André", scope: .header("To")).isEmpty)
    }

    @Test func malformedMessagesAreStoredByteForByte() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let ingest = MessageIngest(store: f.store)
        let shapes: [[UInt8]] = [
            [],
            Array("no header separator at all".utf8),
            Array("Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\nbody without the boundary\r\n".utf8),
            [0xFF, 0xFE, 0x00, 0x0A, 0x0D, 0x0D, 0x0A, 0x80],
            Array("Subject: =?bogus?Q?x?=\nFrom: <<<@@>\n\n\n".utf8),
        ]
        for bytes in shapes {
            let r = try await ingest.append(bytes: bytes, account: f.account.id, mailbox: inbox.id)
            let d = try #require(try await f.store.messageDetails(mailbox: inbox.id, uids: [r.uid]).first)
            #expect(try await f.store.readBlob(d.blob) == bytes)
        }
    }

    @Test func appendFromSpoolKeepsFlagsAndDate() async throws {
        let f = try await StoreFixture.make()
        let drafts = try await f.mailbox("Drafts")
        let spool = f.directory.appending("spool-2")
        try Data(Self.message).write(to: spool)
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let r = try await MessageIngest(store: f.store).append(
            .file(spool), account: f.account.id, mailbox: drafts.id, flags: [Flag("\\Draft")!, Flag("\\Seen")!],
            internalDate: date)
        let s = try #require(try await f.store.messages(mailbox: drafts.id).first { $0.uid == r.uid })
        #expect(s.flags == [Flag("\\Draft")!, Flag("\\Seen")!])
        #expect(s.internalDate == date)
    }
}
