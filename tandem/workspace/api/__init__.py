"""The workspace API: one router per area, mounted under /api/v1/ by tandem/api.py."""

from ninja import Router

from . import actions, engagements, goals, journal, notes, reports, search

router = Router()
for _area in (engagements, goals, notes, actions, journal, reports, search):
    router.add_router("", _area.router)
