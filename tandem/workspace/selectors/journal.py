"""Workspace reads: journal."""
