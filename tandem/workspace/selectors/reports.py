"""Workspace reads: reports."""
