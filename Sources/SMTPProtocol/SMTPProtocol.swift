// SMTPProtocol
