import Foundation
import Testing

@testable import Config

struct ConfigValueTests {
    @Test(arguments: [
        ("100", 100), ("100B", 100), ("512KB", 512 * 1024), ("512kb", 512 * 1024), ("25MB", 25 * 1_048_576),
        ("25 MiB", 25 * 1_048_576), ("1GB", 1_073_741_824), ("10k", 10_240), ("2M", 2 * 1_048_576),
    ])
    func sizes(_ text: String, _ bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "MB", "1.5MB", "-1", "25XB", "25 M B", "99999999999999999999", "9000000000GB"])
    func badSizes(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test func sizeFormatting() {
        #expect(ByteSize.format(25 * 1_048_576) == "25MB")
        #expect(ByteSize.format(1536) == "1536")
        #expect(ByteSize.format(2048) == "2KB")
        #expect(ByteSize.format(4 * 1_073_741_824) == "4GB")
    }

    @Test(arguments: [
        ("30s", 30), ("2m", 120), ("1h", 3600), ("5d", 432_000), ("1h30m", 5400), ("1d2h3m4s", 93784), ("0s", 0),
        (" 90s ", 90),
    ])
    func durations(_ text: String, _ seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "30", "m", "1x", "30m1h", "1h1h", "1.5h", "-1s", "2 m"])
    func badDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func durationFormatting() {
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.seconds(432_000)) == "5d")
        #expect(DurationText.format(.zero) == "0s")
    }

    @Test(arguments: [
        ("127.0.0.1:25", "127.0.0.1", 25), ("[::1]:993", "::1", 993), ("[::]:143", "::", 143),
        ("mail.example.com:587", "mail.example.com", 587), ("*:25", "0.0.0.0", 25), ("localhost:1", "localhost", 1),
        ("[2001:db8::1]:65535", "2001:db8::1", 65535), ("[::ffff:192.0.2.1]:25", "::ffff:192.0.2.1", 25),
    ])
    func addresses(_ text: String, _ host: String, _ port: Int) {
        #expect(HostPort.parse(text) == HostPort(host: host, port: port))
    }

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:25", "[::1]", "[::1]25", "[zz::1]:25", "host name:25",
        ":25", "127.0.0.1:", "127.0.0.1:+25", "[1:::2]:25", "[::1:]:25", "[1::2::3]:25", "-bad.example:25",
    ])
    func badAddresses(_ text: String) {
        #expect(HostPort.parse(text) == nil)
    }

    @Test func defaultPortAndDescription() {
        #expect(HostPort.parse("192.0.2.1", defaultPort: 53) == HostPort(host: "192.0.2.1", port: 53))
        #expect(HostPort.parse("[::1]", defaultPort: 53)?.description == "[::1]:53")
        #expect(HostPort.parse("2001:db8::53", defaultPort: 53) == HostPort(host: "2001:db8::53", port: 53))
        #expect(HostPort.parse("2001:db8::53") == nil)
        #expect(HostPort(host: "127.0.0.1", port: 25).description == "127.0.0.1:25")
    }

    @Test func pathResolution() {
        #expect(PathResolver.resolve("data", relativeTo: "/etc/mailroom") == "/etc/mailroom/data")
        #expect(PathResolver.resolve("../certs/c.pem", relativeTo: "/etc/mailroom") == "/etc/certs/c.pem")
        #expect(PathResolver.resolve("/var/lib/mailroom", relativeTo: "/etc/mailroom") == "/var/lib/mailroom")
        #expect(PathResolver.resolve("./a/./b/", relativeTo: "/x/") == "/x/a/b")
        #expect(PathResolver.directory(of: "/etc/mailroom.toml") == "/etc")
        #expect(PathResolver.directory(of: "mailroom.toml") == ".")
        #expect(PathResolver.directory(of: "/mailroom.toml") == "/")
    }
}
