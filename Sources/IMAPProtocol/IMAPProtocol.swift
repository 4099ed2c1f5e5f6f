// IMAPProtocol
