// Errors of the database and the file system reach callers as StoreError; a full disk is its own
// case so that protocols can answer with a temporary failure (SMTP 452 4.3.1).

import Foundation
import Testing

@testable import MailStore

@Suite struct ErrorMappingTests {
    @Test(arguments: [ENOSPC, EDQUOT])
    func fullDiskIsOutOfSpace(code: Int32) {
        guard case StoreError.outOfSpace = MailStore.mapError(FileError.posix("write blob", code)) else {
            Issue.record("errno \(code) should map to outOfSpace")
            return
        }
    }

    @Test func otherFileErrorsAreStorageFailures() {
        guard case StoreError.storage = MailStore.mapError(FileError.posix("open blob", EACCES)) else {
            Issue.record("EACCES should map to storage")
            return
        }
    }
}
