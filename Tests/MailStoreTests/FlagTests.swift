// Flag parsing and canonicalisation (RFC 9051 §2.3.2, §9 flag-keyword).

import MailStore
import Testing

@Suite struct FlagTests {
    @Test func systemFlagsAreCaseInsensitiveWithCanonicalSpelling() {
        #expect(Flag("\\SEEN") == .seen)
        #expect(Flag("\\seen")?.name == "\\Seen")
        #expect(Flag("\\Deleted")?.isSystemFlag == true)
        #expect(Flag("\\Recent") == nil)
        #expect(Flag("\\Unknown") == nil)
    }

    @Test func keywordsAreAtomsComparedIgnoringCase() {
        let k = Flag("$Forwarded")
        #expect(k?.isKeyword == true)
        #expect(k == Flag("$forwarded"))
        #expect(Set([Flag("Work")!, Flag("WORK")!]).count == 1)
        for bad in ["", "two words", "par(en", "br{ace", "wild*", "per%", "quo\"te", "back\\slash", "brack]", "ünï"] {
            #expect(Flag(bad) == nil, "\(bad)")
        }
        #expect(Flag(String(repeating: "k", count: Flag.maxKeywordLength)) != nil)
        #expect(Flag(String(repeating: "k", count: Flag.maxKeywordLength + 1)) == nil)
    }

    @Test func specialUseParsing() {
        #expect(SpecialUse(attribute: "\\sent") == .sent)
        #expect(SpecialUse(attribute: "Trash") == .trash)
        #expect(SpecialUse(attribute: "\\Nope") == nil)
    }
}
