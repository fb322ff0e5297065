"""Live reports by SMS (issue 15): the Gammu modem reader and the SMSsync Android gateway."""
