"""Workspace services: notes."""
