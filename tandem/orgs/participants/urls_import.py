"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
