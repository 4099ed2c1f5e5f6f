import Foundation
import Testing

@testable import CalendarFormats

/// vCard 4.0 (RFC 6350) and 3.0 (RFC 2426) parsing, typed access, round trips and CardDAV PUT checks.
@Suite struct VCardTests {
    /// RFC 6350 §8 example, with a UID added (CardDAV requires one, RFC 6352 §5.1).
    static let rfc6350 = """
        BEGIN:VCARD\r
        VERSION:4.0\r
        UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r
        FN:Simon Perreault\r
        N:Perreault;Simon;;;ing. jr,M.Sc.\r
        BDAY:--0203\r
        ANNIVERSARY:20090808T1430-0500\r
        GENDER:M\r
        LANG;PREF=1:fr\r
        LANG;PREF=2:en\r
        ORG;TYPE=work:Viagenie\r
        ADR;TYPE=work:;Suite D2-630;2875 Laurier;\r
         Quebec;QC;G1V 2M2;Canada\r
        TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+1-418-656-9254;ext=102\r
        TEL;VALUE=uri;TYPE="work,cell,voice,video,text":tel:+1-418-262-6501\r
        EMAIL;TYPE=work:simon.perreault@viagenie.ca\r
        GEO;TYPE=work:geo:46.772673,-71.282945\r
        KEY;TYPE=work;VALUE=uri:\r
         http://www.viagenie.ca/simon.perreault/simon.asc\r
        TZ:-0500\r
        URL;TYPE=home:http://nomis80.org\r
        END:VCARD\r

        """

    /// RFC 2426 §7 example (note the lower-case "vCard" and the fold inside ADR), with a UID added.
    static let rfc2426 = """
        BEGIN:vCard\r
        VERSION:3.0\r
        FN:Frank Dawson\r
        UID:frank-dawson@example.com\r
        ORG:Lotus Development Corporation\r
        ADR;TYPE=WORK,POSTAL,PARCEL:;;6544 Battleford Drive\r
         ;Raleigh;NC;27613-3502;U.S.A.\r
        TEL;TYPE=VOICE,MSG,WORK:+1-919-676-9515\r
        TEL;TYPE=FAX,WORK:+1-919-676-9564\r
        EMAIL;TYPE=INTERNET,PREF:Frank_Dawson@Lotus.com\r
        EMAIL;TYPE=INTERNET:fdawson@earthlink.net\r
        URL:http://home.earthlink.net/~fdawson\r
        END:vCard\r

        """

    @Test func readsTheRFC6350Example() throws {
        let card = try VCardValidator().validate(Self.rfc6350).get()
        #expect(card.version == .v4)
        #expect(card.uid == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1")
        #expect(card.formattedName == "Simon Perreault")
        let name = try #require(card.name)
        #expect(name.familyNames == ["Perreault"])
        #expect(name.givenNames == ["Simon"])
        #expect(name.additionalNames.isEmpty)
        #expect(name.honorificSuffixes == ["ing. jr", "M.Sc."])
        #expect(card.telephones.map(\.value) == ["tel:+1-418-656-9254;ext=102", "tel:+1-418-262-6501"])
        #expect(card.telephones[0].types == ["work", "voice"])
        #expect(card.telephones[0].preference == 1)
        #expect(card.telephones[1].types == ["work", "cell", "voice", "video", "text"])
        #expect(card.emails.map(\.value) == ["simon.perreault@viagenie.ca"])
        #expect(
            card.component.property("ADR")?.textList(separator: ";") == [
                "", "Suite D2-630", "2875 Laurier", "Quebec", "QC", "G1V 2M2", "Canada",
            ])
        #expect(card.component.property("KEY")?.value == "http://www.viagenie.ca/simon.perreault/simon.asc")
        // Round trip.
        let again = try VCard.parseAll(card.serialized)
        #expect(again == [card])
    }

    @Test func readsTheRFC2426Example() throws {
        let card = try VCardValidator().validate(Self.rfc2426).get()
        #expect(card.version == .v3)
        #expect(card.component.key == "VCARD")
        #expect(card.serialized.hasPrefix("BEGIN:vCard\r\n"))
        #expect(card.component.property("ADR")?.value == ";;6544 Battleford Drive;Raleigh;NC;27613-3502;U.S.A.")
        #expect(card.emails.map(\.value) == ["Frank_Dawson@Lotus.com", "fdawson@earthlink.net"])
        #expect(card.emails[0].types == ["internet"])
        #expect(card.emails[0].preference == 1)
        #expect(card.emails[1].preference == nil)
        #expect(card.telephones[0].types == ["voice", "msg", "work"])
        #expect(card.name == nil)
    }

    @Test func groupsEscapingAndFolding() throws {
        let text = """
            BEGIN:VCARD\r
            VERSION:3.0\r
            UID:1\r
            FN:Jane\\, Q. Public\\; Esq.\r
            N:Public;Jane;Q.;;Esq.\r
            item1.EMAIL;type=INTERNET;type=pref:jane@example.com\r
            item1.X-ABLabel:_$!<Other>!$_\r
            NOTE:Line one\\nLine two with a long long long long long long long long long text that must fold\r
            END:VCARD\r

            """
        let card = try #require(try VCard.parseAll(text).first)
        #expect(card.formattedName == "Jane, Q. Public; Esq.")
        #expect(card.emails.first?.group == "item1")
        #expect(card.emails.first?.preference == 1)
        #expect(card.component.property("X-ABLABEL")?.group == "item1")
        #expect(card.component.property("NOTE")?.text.contains("\nLine two") == true)
        let serialized = card.serialized
        #expect(serialized.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(try VCard.parseAll(serialized) == [card])
    }

    @Test(arguments: [
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:1\r\nEND:VCARD\r\n", VCardValidationError.missingFormattedName),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n", .missingUID),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nUID:1\r\nUID:2\r\nEND:VCARD\r\n", .multipleUIDs),
        ("BEGIN:VCARD\r\nFN:x\r\nUID:1\r\nEND:VCARD\r\n", .missingVersion),
        ("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:x\r\nUID:1\r\nEND:VCARD\r\n", .unsupportedVersion("2.1")),
        (
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nUID:1\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:y\r\nUID:2\r\nEND:VCARD\r\n",
            .notSingleVCard(count: 2)
        ),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", .notVCard("VCALENDAR")),
        ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n", .unparsable(.unterminatedComponent("VCARD"))),
        (
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN;TYPE=\"open:x\r\nEND:VCARD\r\n",
            .unparsable(.malformedContentLine(line: 3, reason: "unterminated quoted parameter value"))
        ),
    ])
    func refusesMalformedCards(text: String, error: VCardValidationError) {
        #expect(VCardValidator().validate(text) == .failure(error))
    }

    @Test func preconditionNames() {
        #expect(VCardValidationError.unsupportedVersion("2.1").precondition == .supportedAddressData)
        #expect(VCardValidationError.missingUID.precondition == .validAddressData)
        #expect(VCardValidationError.tooLarge(limit: 1).precondition == .maxResourceSize)
        #expect(
            VCardValidator(limits: CalendarLimits(maxObjectOctets: 8)).validate(Self.rfc2426)
                == .failure(.tooLarge(limit: 8)))
        #expect(VCardValidator(supportedVersions: [.v4]).validate(Self.rfc2426) == .failure(.unsupportedVersion("3.0")))
    }
}

/// Collations and match types (RFC 4790, RFC 5051; CalDAV §9.7.5, CardDAV §10.5.4).
@Suite struct TextMatchTests {
    @Test(arguments: [
        // text, value, collation, match type, expected
        ("smith", "John SMITH", Collation.asciiCasemap, MatchType.contains, true),
        ("smith", "John SMITH", .octet, .contains, false),
        ("john", "John SMITH", .asciiCasemap, .startsWith, true),
        ("SMITH", "John SMITH", .asciiCasemap, .endsWith, true),
        ("john smith", "John SMITH", .asciiCasemap, .equals, true),
        ("john", "John SMITH", .asciiCasemap, .equals, false),
        ("müller", "MÜLLER", .asciiCasemap, .equals, false),  // only a-z fold under ascii-casemap
        ("müller", "MÜLLER", .unicodeCasemap, .equals, true),
        ("e\u{301}", "É", .unicodeCasemap, .equals, true),  // NFKD makes é and e + U+0301 equal
        ("①", "1", .unicodeCasemap, .equals, true),  // NFKD compatibility mapping
        ("ß", "SS", .unicodeCasemap, .equals, false),  // simple titlecase keeps ß (RFC 5051 §2)
        ("Σ", "σ", .unicodeCasemap, .equals, true),
        ("", "anything", .unicodeCasemap, .contains, true),
        ("longer than value", "short", .asciiCasemap, .contains, false),
    ])
    func matches(text: String, value: String, collation: Collation, matchType: MatchType, expected: Bool) {
        #expect(TextMatch(text, collation: collation, matchType: matchType).matches(value) == expected)
        #expect(
            TextMatch(text, collation: collation, matchType: matchType, isNegated: true).matches(value) == !expected)
    }
}
