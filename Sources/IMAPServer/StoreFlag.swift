// StoreFlag: MailStore's flag type under a name that does not collide with IMAPProtocol.Flag.
// This file imports MailStore only, so `Flag` here is unambiguous.

import MailStore

typealias StoreFlag = Flag
