"""Reads, one module per area. access.py is the one gate: every object is looked up through
an engagement the viewer belongs to, so someone else's object is simply not found."""
