"""Workspace pages: the coach's client list and client file (/coach/clients/...), the
client's view of each coach (/workspace/...), the journal (/journal/...)."""

from .views import actions, engagements, goals, journal, notes, reports, search

urlpatterns = [
    *engagements.urlpatterns,
    *goals.urlpatterns,
    *notes.urlpatterns,
    *actions.urlpatterns,
    *journal.urlpatterns,
    *reports.urlpatterns,
    *search.urlpatterns,
]
