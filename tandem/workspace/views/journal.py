"""Pages: journal."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
