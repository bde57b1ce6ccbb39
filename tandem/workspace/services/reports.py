"""Workspace services: reports."""
