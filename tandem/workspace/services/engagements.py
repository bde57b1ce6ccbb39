"""Workspace services: engagements."""
