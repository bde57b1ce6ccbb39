"""Workspace reads: actions."""
