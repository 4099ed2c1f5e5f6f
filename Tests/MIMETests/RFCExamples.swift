import Foundation
import Testing

@testable import MIME

/// RFC 5322 Appendix A, RFC 2047 §8, RFC 2046 §5.1.1 messages as printed in the RFCs.
enum RFCExamples {
    static let a11 = crlf(
        """
        From: John Doe <jdoe@machine.example>
        To: Mary Smith <mary@example.net>
        Subject: Saying Hello
        Date: Fri, 21 Nov 1997 09:55:06 -0600
        Message-ID: <1234@local.machine.example>

        This is a message just to say hello.
        So, "Hello".

        """)

    static let a12 = crlf(
        """
        From: "Joe Q. Public" <john.q.public@example.com>
        To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>
        Cc: <boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>
        Date: Tue, 1 Jul 2003 10:52:37 +0200
        Message-ID: <5678.21-Nov-1997@example.com>

        Hi everyone.

        """)

    static let a13 = crlf(
        """
        From: Pete <pete@silly.example>
        To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;
        Cc: Undisclosed recipients:;
        Date: Thu, 13 Feb 1969 23:32:54 -0330
        Message-ID: <testabcd.1234@silly.example>

        Testing.

        """)

    static let a2reply = crlf(
        """
        From: Mary Smith <mary@example.net>
        To: John Doe <jdoe@machine.example>
        Reply-To: "Mary Smith: Personal Account" <smith@home.example>
        Subject: Re: Saying Hello
        Date: Fri, 21 Nov 1997 10:01:10 -0600
        Message-ID: <3456@example.net>
        In-Reply-To: <1234@local.machine.example>
        References: <1234@local.machine.example>

        This is a reply to your hello.

        """)

    static let a2reply2 = crlf(
        """
        To: "Mary Smith: Personal Account" <smith@home.example>
        From: John Doe <jdoe@machine.example>
        Subject: Re: Saying Hello
        Date: Fri, 21 Nov 1997 11:00:00 -0600
        Message-ID: <abcd.1234@local.machine.test>
        In-Reply-To: <3456@example.net>
        References: <1234@local.machine.example> <3456@example.net>

        This is a reply to your reply.

        """)

    static let a3 = crlf(
        """
        Resent-From: Mary Smith <mary@example.net>
        Resent-To: Jane Brown <j-brown@other.example>
        Resent-Date: Mon, 24 Nov 1997 14:22:01 -0800
        Resent-Message-ID: <78910@example.net>
        From: John Doe <jdoe@machine.example>
        To: Mary Smith <mary@example.net>
        Subject: Saying Hello
        Date: Fri, 21 Nov 1997 09:55:06 -0600
        Message-ID: <1234@local.machine.example>

        This is a message just to say hello.
        So, "Hello".

        """)

    static let a4 = crlf(
        """
        Received: from x.y.test
           by example.net
           via TCP
           with ESMTP
           id ABC12345
           for <mary@example.net>;  21 Nov 1997 10:05:43 -0600
        Received: from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600
        From: John Doe <jdoe@node.example>
        To: Mary Smith <mary@example.net>
        Subject: Saying Hello
        Date: Fri, 21 Nov 1997 09:55:06 -0600
        Message-ID: <1234@local.node.example>

        This is a message just to say hello.
        So, "Hello".

        """)

    static let a5 = crlf(
        """
        From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>
        To:A Group(Some people)
             :Chris Jones <c@(Chris's host.)public.example>,
                 joe@example.org,
          John <jdoe@one.test> (my dear friend); (the end of the group)
        Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;
        Date: Thu,
              13
                Feb
                  1969
              23:32
                       -0330 (Newfoundland Time)
        Message-ID:              <testabcd.1234@silly.test>

        Testing.

        """)

    static let a61 = crlf(
        """
        From: Joe Q. Public <john.q.public@example.com>
        To: Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example
        Date: Tue, 1 Jul 2003 10:52:37 +0200
        Message-ID: <5678.21-Nov-1997@example.com>

        Hi everyone.

        """)

    static let a62 = crlf(
        """
        From: John Doe <jdoe@machine.example>
        To: Mary Smith <mary@example.net>
        Subject: Saying Hello
        Date: 21 Nov 97 09:55:06 GMT
        Message-ID: <1234@local.machine.example>

        This is a message just to say hello.
        So, "Hello".

        """)

    static let a63 = crlf(
        """
        From  : John Doe <jdoe@machine(comment).  example>
        To    : Mary Smith
        \u{20}\u{20}
                  <mary@example.net>
        Subject     : Saying Hello
        Date  : Fri, 21
                         Nov 1997 09(comment):   55  :  06 -0600
        Message-ID  : <1234   @   local(blah)  .machine .example>

        This is a message just to say hello.
        So, "Hello".

        """)

    /// RFC 2047 §8 (the header examples, with a small body).
    static let rfc2047a = crlf(
        """
        From: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>
        To: =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>
        CC: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>
        Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=
            =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=

        body

        """)

    static let rfc2047b = crlf(
        """
        From: Nathaniel Borenstein <nsb@thumper.bellcore.com>
              (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)
        To: Greg Vaudreuil <gvaudre@NRI.Reston.VA.US>, Ned Freed
           <ned@innosoft.com>, Keith Moore <moore@cs.utk.edu>
        Subject: Test of new header generator
        MIME-Version: 1.0
        Content-type: text/plain; charset=ISO-8859-1

        body

        """)

    /// RFC 2046 §5.1.1 sample multipart message.
    static let rfc2046 = crlf(
        """
        From: Nathaniel Borenstein <nsb@bellcore.com>
        To: Ned Freed <ned@innosoft.com>
        Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)
        Subject: Sample message
        MIME-Version: 1.0
        Content-type: multipart/mixed; boundary="simple boundary"

        This is the preamble.  It is to be ignored, though it
        is a handy place for composition agents to include an
        explanatory note to non-MIME conformant readers.

        --simple boundary

        This is implicitly typed plain US-ASCII text.
        It does NOT end with a linebreak.
        --simple boundary
        Content-type: text/plain; charset=us-ascii

        This is explicitly typed plain US-ASCII text.
        It DOES end with a linebreak.

        --simple boundary--

        This is the epilogue.  It is also to be ignored.

        """)

    /// RFC 2231 §3-§5 parameter examples in one multipart.
    static let rfc2231 = crlf(
        """
        From: a@example.com
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=x

        --x
        Content-Type: message/external-body; access-type=URL;
         URL*0="ftp://";
         URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"

        Content-type: application/octet-stream

        --x
        Content-Type: application/x-stuff;
         title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A

        one
        --x
        Content-Type: application/x-stuff;
         title*0*=us-ascii'en'This%20is%20even%20more%20;
         title*1*=%2A%2A%2Afun%2A%2A%2A%20;
         title*2="isn't it!"

        two
        --x--

        """)

    static let all: [(String, [UInt8])] = [
        ("A.1.1", a11), ("A.1.2", a12), ("A.1.3", a13), ("A.2 reply", a2reply), ("A.2 reply 2", a2reply2),
        ("A.3", a3), ("A.4", a4), ("A.5", a5), ("A.6.1", a61), ("A.6.2", a62), ("A.6.3", a63),
        ("RFC 2047 a", rfc2047a), ("RFC 2047 b", rfc2047b), ("RFC 2046", rfc2046), ("RFC 2231", rfc2231),
    ]
}
