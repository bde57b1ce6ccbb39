"""Workspace services: search."""
