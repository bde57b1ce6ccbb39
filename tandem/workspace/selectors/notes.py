"""Workspace reads: notes."""
