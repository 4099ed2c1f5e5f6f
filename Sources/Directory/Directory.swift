// Directory: see /tmp/stash while MailStore's API lands
