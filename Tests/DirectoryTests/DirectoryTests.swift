import Testing
@testable import Directory

@Test func placeholderDirectory() {}
