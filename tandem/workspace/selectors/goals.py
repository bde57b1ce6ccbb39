"""Workspace reads: goals."""
