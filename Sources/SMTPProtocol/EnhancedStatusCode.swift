// Enhanced mail system status codes (RFC 3463, registry RFC 5248), e.g. "5.1.1".
//
// Invariants: class is 2, 4 or 5; subject and detail are 0...999 (1 to 3 digits), RFC 3463 §2.

/// An enhanced status code `class.subject.detail` (RFC 3463 §2), sent after the reply code when
/// ENHANCEDSTATUSCODES is advertised (RFC 2034 §3).
public struct EnhancedStatusCode: Hashable, Sendable, CustomStringConvertible {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure). RFC 3463 §3.1.
    public var statusClass: Int
    /// RFC 3463 §3.2 subject: 0 other, 1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol,
    /// 6 content, 7 security or policy.
    public var subject: Int
    public var detail: Int

    public init(_ statusClass: Int, _ subject: Int, _ detail: Int) {
        precondition([2, 4, 5].contains(statusClass), "RFC 3463 §2: class is 2, 4 or 5")
        precondition((0...999).contains(subject) && (0...999).contains(detail), "RFC 3463 §2: 1*3digit")
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses `class "." subject "." detail` (RFC 3463 §2); nil when `text` is not exactly that.
    public init?(_ text: some StringProtocol) {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 1 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return nil }
            numbers.append(part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
        }
        guard [2, 4, 5].contains(numbers[0]) else { return nil }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
