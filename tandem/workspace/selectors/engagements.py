"""Workspace reads: engagements."""
