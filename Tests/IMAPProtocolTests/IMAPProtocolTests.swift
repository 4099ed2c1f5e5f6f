import Testing
@testable import IMAPProtocol

@Test func placeholderIMAPProtocol() {}
