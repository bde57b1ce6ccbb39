"""Programmes: an organisation admin creates, edits, extends, funds and ends them."""
