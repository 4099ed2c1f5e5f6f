// IMAPDateTime and IMAPDate: `date-time` (INTERNALDATE, APPEND) and `date` (SEARCH) of RFC 9051 §9.
//
// Invariants:
// - Values are validated on construction (calendar day exists, time in range, zone within ±99:59).
// - No Foundation: conversion to and from the Unix epoch uses the proleptic Gregorian calendar.

import NIOCore

private let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

private func daysInMonth(_ month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
private func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
    let y = Int64(month <= 2 ? year - 1 : year)
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let m = Int64(month)
    let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
}

private func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
    let z = days + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (Int(year), Int(month), Int(day))
}

/// A calendar date without time (`date` rule), used by SEARCH BEFORE/ON/SINCE.
public struct IMAPDate: Sendable, Hashable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= daysInMonth(month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01.
    public var daysSince1970: Int64 { daysFromCivil(year: year, month: month, day: day) }

    /// `d-Mon-yyyy`, e.g. `1-Feb-1994`.
    public var description: String { "\(day)-\(monthNames[month - 1])-\(year)" }
}

/// A date and time with zone (`date-time` rule), e.g. `17-Jul-1996 02:44:25 -0700`.
public struct IMAPDateTime: Sendable, Hashable, CustomStringConvertible {
    public let date: IMAPDate
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Offset from UTC in minutes, e.g. -420 for `-0700`.
    public let zoneMinutes: Int

    public init?(date: IMAPDate, hour: Int, minute: Int, second: Int, zoneMinutes: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            (-5999...5999).contains(zoneMinutes)
        else { return nil }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneMinutes = zoneMinutes
    }

    /// Seconds since 1970 of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z, the representable range.
    static let representableSeconds: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// The local time in `zoneMinutes` of the instant `secondsSince1970` (clamped to years 1...9999).
    public init(secondsSince1970: Int64, zoneMinutes: Int = 0) {
        let zoneMinutes = min(max(zoneMinutes, -5999), 5999)
        let range = IMAPDateTime.representableSeconds
        let instant = min(max(secondsSince1970, range.lowerBound + 6000 * 60), range.upperBound - 6000 * 60)
        let local = instant + Int64(zoneMinutes) * 60
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondsOfDay = Int(local - days * 86400)
        let civil = civilFromDays(days)
        self.date = IMAPDate(year: civil.year, month: civil.month, day: civil.day)!
        self.hour = secondsOfDay / 3600
        self.minute = secondsOfDay / 60 % 60
        self.second = secondsOfDay % 60
        self.zoneMinutes = zoneMinutes
    }

    /// The instant as seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        date.daysSince1970 * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(zoneMinutes) * 60
    }

    /// `dd-Mon-yyyy hh:mm:ss +zzzz` with a space-padded day (`date-day-fixed`), without quotes.
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = date.day < 10 ? " \(date.day)" : "\(date.day)"
        let zone = abs(zoneMinutes)
        let sign = zoneMinutes < 0 ? "-" : "+"
        return "\(day)-\(monthNames[date.month - 1])-\(date.year) \(two(hour)):\(two(minute)):\(two(second)) "
            + "\(sign)\(two(zone / 60))\(two(zone % 60))"
    }
}

extension GrammarParser {
    mutating func parseDigits(_ count: Int) throws -> Int {
        var value = 0
        for _ in 0..<count {
            guard let byte = peek(), byte.isDigit else { throw error("Expected digit") }
            value = value * 10 + Int(byte - .zero)
            position += 1
        }
        return value
    }

    // date-month = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" / "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
    mutating func parseDateMonth() throws -> Int {
        for (index, name) in monthNames.enumerated() where consumeKeyword(name) {
            return index + 1
        }
        throw error("Expected month name")
    }

    // date-text = date-day "-" date-month "-" date-year
    // date-day = 1*2DIGIT
    // date-year = 4DIGIT
    mutating func parseDateText() throws -> IMAPDate {
        var day = try parseDigits(1)
        if let next = peek(), next.isDigit { day = day * 10 + (try parseDigits(1)) }
        try expect(.minus, "-")
        let month = try parseDateMonth()
        try expect(.minus, "-")
        let year = try parseDigits(4)
        guard let date = IMAPDate(year: year, month: month, day: day) else { throw error("Invalid date") }
        return date
    }

    // date = date-text / DQUOTE date-text DQUOTE
    mutating func parseDate() throws -> IMAPDate {
        if consume(.quote) {
            let date = try parseDateText()
            try expect(.quote, "\"")
            return date
        }
        return try parseDateText()
    }

    // date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    // date-day-fixed = (SP DIGIT) / 2DIGIT        ; a single digit is accepted too
    // time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
    // zone = ("+" / "-") 4DIGIT
    mutating func parseDateTime() throws -> IMAPDateTime {
        try expect(.quote, "date-time")
        _ = consume(.space)
        let date = try parseDateText()
        try parseSP()
        let hour = try parseDigits(2)
        try expect(.colon, ":")
        let minute = try parseDigits(2)
        try expect(.colon, ":")
        let second = try parseDigits(2)
        try parseSP()
        let sign: Int
        if consume(.plus) {
            sign = 1
        } else if consume(.minus) {
            sign = -1
        } else {
            throw error("Expected zone")
        }
        let zone = try parseDigits(4)
        try expect(.quote, "\"")
        guard zone % 100 < 60,
            let value = IMAPDateTime(
                date: date, hour: hour, minute: minute, second: second,
                zoneMinutes: sign * (zone / 100 * 60 + zone % 100))
        else { throw error("Invalid date-time") }
        return value
    }
}

extension IMAPDateTime {
    /// Parses a quoted `date-time`, e.g. `"17-Jul-1996 02:44:25 -0700"`.
    public init?(parsing text: String) {
        var parser = GrammarParser(Array(text.utf8))
        guard let value = try? parser.parseDateTime(), parser.isAtEnd else { return nil }
        self = value
    }
}

extension IMAPDate {
    /// Parses a `date`, e.g. `1-Feb-1994` or `"1-Feb-1994"`.
    public init?(parsing text: String) {
        var parser = GrammarParser(Array(text.utf8))
        guard let value = try? parser.parseDate(), parser.isAtEnd else { return nil }
        self = value
    }
}
