import Testing
@testable import SMTPProtocol

@Test func placeholderSMTPProtocol() {}
