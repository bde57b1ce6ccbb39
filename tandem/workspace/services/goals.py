"""Workspace services: goals."""
