"""Workspace services: journal."""
