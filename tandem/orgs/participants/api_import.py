"""API of this area (mounted under /api/v1/ by tandem/orgs/api.py)."""

from ninja import Router

router = Router(tags=["organisations"])
