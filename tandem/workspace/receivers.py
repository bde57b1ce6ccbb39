"""Signals from lower apps that the workspace answers (filled in by the engagements work)."""
