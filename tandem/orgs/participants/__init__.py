"""Participants: invitations (one by one, CSV import, email-domain rule), acceptance and
seats, and the admin's pause / move seat / remove."""
