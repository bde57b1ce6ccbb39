"""Pages: notes."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
