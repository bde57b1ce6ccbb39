"""Workspace services: actions."""
