import Foundation
import Testing

@testable import WebDAV

/// A UTC DATE-TIME fixture ("20060104T000000Z") as a Date; records an issue for a bad fixture.
func utc(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
    guard let date = UTCDateTime.parse(text) else {
        Issue.record("bad fixture \(text)", sourceLocation: sourceLocation)
        return Date(timeIntervalSince1970: 0)
    }
    return date
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func report(_ text: String) throws(DAVRequestError) -> ReportRequest { try ReportRequest.parse(bytes(text)) }

let boxschema = "http://ns.example.com/boxschema/"

/// Records a test failure (usable as `return fail(...)` in a guard).
func fail(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}
