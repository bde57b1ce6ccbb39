"""Packages: a coach's offers of several sessions, their purchase, credits and expiry."""
