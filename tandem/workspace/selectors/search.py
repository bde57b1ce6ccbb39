"""Workspace reads: search."""
