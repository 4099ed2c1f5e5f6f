import NIOCore
import Testing

@testable import IMAPProtocol

@Test func smoke() throws {
    let c = try GrammarParser.parseCommand(
        ByteBuffer(
            string: "a1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>) (CHANGEDSINCE 5 VANISHED)\r\n"))
    print(c)
    var d = CommandDecoder()
    d.append(ByteBuffer(string: "a APPEND INBOX (\\Seen) {5}\r\nhello\r\nb NOOP\r\n"))
    while let e = d.nextEvent() { print(e) }
    var enc = ResponseEncoder()
    print(
        String(
            buffer: enc.encode(
                .untagged(.list(MailboxListItem(attributes: [.hasNoChildren], delimiter: "/", mailbox: "台北"))))))
}
