"""Sponsored sessions: an organisation's programme pays for its participants' sessions.

Payments owns the money (the `sponsor_budget` ledger accounts, funding, drawing down,
returning, closing into organisation credit); orgs owns the programmes and their rules
(who is covered, seats, sessions per participant, dates). Payments sits below orgs, so it
asks through one seam, `port.SponsorPort`, which orgs registers at start-up.
"""
