"""The pure availability engine: rules in, UTC slot starts out. No Django imports here.

Public API: `compute_slots(query) -> list[datetime]` and `first_slot(query) -> datetime | None`
(implemented in slots.py); the inputs are the dataclasses in types.py.
"""
