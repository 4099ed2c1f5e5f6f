// Date header parsing: RFC 5322 §3.3 date-time with the obsolete forms of §4.3.
//
// Invariants:
// - Best effort, never throws: comments, a missing day of week, missing seconds, 2- and 3-digit
//   years, alphabetic and military zones, and asctime-like order are accepted; nil when no valid
//   day, month, year and time can be found.
// - Computed with integer arithmetic (no Calendar, no locale), so results do not depend on the host.
import Foundation

/// A parsed Date header.
public struct MessageDate: Sendable, Codable, Equatable, Hashable {
    /// The instant.
    public var date: Date
    /// The zone offset written in the header, in seconds east of UTC.
    public var timeZoneOffset: Int

    public init(date: Date, timeZoneOffset: Int) {
        self.date = date
        self.timeZoneOffset = timeZoneOffset
    }

    /// Parses a Date header value; nil when unparseable.
    public init?(parsing value: String) {
        guard let parsed = DateParser.parse(value) else { return nil }
        self = parsed
    }
}

extension MessageDate {
    /// RFC 5322 §3.3 date-time in UTC, e.g. "Fri, 27 Nov 2026 10:00:00 +0000" (Date headers, Received, DSNs).
    public static func rfc5322(_ date: Date) -> String {
        MessageDate(date: date, timeZoneOffset: 0).rfc5322
    }

    /// RFC 5322 §3.3 date-time in the zone `timeZoneOffset` (whole minutes; seconds are dropped).
    public var rfc5322: String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + timeZoneOffset
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let time = seconds - days * 86_400
        let (year, month, day) = DateParser.civilFromDays(days)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday; 0 is Sunday
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let zone = abs(timeZoneOffset) / 60
        return "\(DateParser.weekdayNames[weekday]), \(two(day)) \(DateParser.monthNames[month - 1]) \(year) "
            + "\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60)) "
            + "\(timeZoneOffset < 0 ? "-" : "+")\(two(zone / 60))\(two(zone % 60))"
    }
}

enum DateParser {
    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// RFC 5322 §4.3 obs-zone (military zones other than Z are treated as -0000, i.e. 0).
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7,
        "pdt": -7, "pst": -8,
    ]

    static func parse(_ value: String) -> MessageDate? {
        // Comments removed (RFC 5322 §3.2.2), and whitespace around ":" (obs-time allows CFWS there).
        var plain: [Unicode.Scalar] = []
        var depth = 0
        for ch in value.unicodeScalars.prefix(1024) {
            if ch == "(" {
                depth += 1
                continue
            }
            if ch == ")" {
                depth = max(0, depth - 1)
                continue
            }
            if depth > 0 { continue }
            if ch == ":" {
                while let last = plain.last, last == " " || last == "\t" || last == "\r" || last == "\n" {
                    plain.removeLast()
                }
            } else if ch == " " || ch == "\t" || ch == "\r" || ch == "\n", plain.last == ":" {
                continue
            }
            plain.append(ch)
        }
        // Tokens: words, numbers, hh:mm[:ss], +hhmm/-hhmm; commas separate like whitespace.
        var tokens: [String] = []
        var current = ""
        for ch in plain {
            if ch == " " || ch == "\t" || ch == "," || ch == "\r" || ch == "\n" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                continue
            }
            if (ch == "+" || ch == "-"), !current.isEmpty, current.unicodeScalars.last != ":" {
                // "10:00:00+0100" or "5-Jan-2020": split before the sign (a "-" inside dates separates).
                tokens.append(current)
                current = ""
            }
            current.unicodeScalars.append(ch)
            if tokens.count > 32 { return nil }
        }
        if !current.isEmpty { tokens.append(current) }

        var day: Int? = nil
        var month: Int? = nil
        var year: Int? = nil
        var time: (Int, Int, Int)? = nil
        var zone: Int? = nil
        var numbers: [(value: Int, digits: Int)] = []

        for raw in tokens {
            var t = raw
            // "5-Jan-2020" style pieces keep a leading "-" after splitting: strip it unless it is a zone.
            let looksLikeZone = time != nil && t.count == 5 && t.dropFirst().allSatisfy(\.isNumber)
            if t.hasPrefix("-"), !looksLikeZone { t.removeFirst() }
            if t.isEmpty { continue }
            let lower = t.asciiLowercased
            if t.contains(":") {
                guard time == nil else { continue }
                let parts = t.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2 || parts.count == 3,
                    let h = Int(parts[0]), let m = Int(parts[1]),
                    parts[0].count <= 2, parts[1].count <= 2
                else { return nil }
                var s = 0
                if parts.count == 3 {
                    guard parts[2].count <= 2, let sv = Int(parts[2]) else { return nil }
                    s = sv
                }
                guard (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
                time = (h, m, min(s, 59))
                continue
            }
            if let first = t.first, first == "+" || first == "-", looksLikeZone {
                let digits = t.dropFirst()
                guard digits.count == 4, digits.allSatisfy(\.isNumber), let v = Int(digits) else { continue }
                let hh = v / 100
                let mm = v % 100
                guard mm < 60 else { return nil }
                zone = (first == "-" ? -1 : 1) * (hh * 3600 + mm * 60)
                continue
            }
            if t.allSatisfy({ $0.isASCII && $0.isNumber }) {
                guard t.count <= 4, let v = Int(t) else { continue }
                numbers.append((v, t.count))
                continue
            }
            if lower.count >= 3, let m = months.firstIndex(where: { lower.hasPrefix($0) }), month == nil {
                month = m + 1
                continue
            }
            if let z = zones[lower], time != nil {
                zone = z * 3600
                continue
            }
            if lower.count == 1, time != nil, zone == nil,
                lower.unicodeScalars.first.map({ $0.properties.isAlphabetic })
                    == true
            {
                zone = 0  // military zone: RFC 5322 §4.3 says treat as -0000
                continue
            }
            // Day names and unknown words are ignored.
        }

        // Day and year: a 3- or 4-digit number, or one above 31, is the year; otherwise RFC order.
        for n in numbers {
            if year == nil, n.digits >= 3 || n.value > 31 {
                year = n.value
            } else if day == nil {
                day = n.value
            } else if year == nil {
                year = n.value
            }
        }
        guard let d = day, let mo = month, var y = year, let (h, mi, s) = time else { return nil }
        if let last = numbers.last, last.digits == 2 || last.digits == 1, year == last.value {
            y = last.value < 50 ? 2000 + last.value : 1900 + last.value  // RFC 5322 §4.3
        } else if y < 1000, numbers.contains(where: { $0.value == y && $0.digits == 3 }) {
            y += 1900  // RFC 5322 §4.3: three-digit years add 1900
        }
        guard (1...31).contains(d), y >= 1, y <= 9999, d <= daysInMonth(mo, y) else { return nil }
        let offset = zone ?? 0
        let days = daysFromCivil(y, mo, d)
        let seconds = days * 86400 + h * 3600 + mi * 60 + s - offset
        return MessageDate(date: Date(timeIntervalSince1970: TimeInterval(seconds)), timeZoneOffset: offset)
    }

    static func daysInMonth(_ m: Int, _ y: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (the inverse of `daysFromCivil`).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
