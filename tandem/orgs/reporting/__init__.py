"""Aggregate-only reporting for sponsors: the dashboard and the ROI view. Every figure a
sponsor sees comes through reporting.selectors (the one gate: groups under MIN_GROUP are
suppressed, no names beside session facts, never any text)."""
