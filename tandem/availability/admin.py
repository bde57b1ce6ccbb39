"""Availability rules in the admin: read-only, for support.

Rules change only through services.availability_replace (the coach's page or the API), which
checks overlaps and refreshes the directory; an admin form would do neither.
"""

from django.contrib import admin
from django.http import HttpRequest

from .models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OverrideIntervalInline(admin.TabularInline):
    model = OverrideInterval
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WeeklyInterval)
class WeeklyIntervalAdmin(ReadOnlyAdmin):
    list_display = ["coach", "weekday", "start_minute", "end_minute"]
    list_filter = ["weekday"]
    list_select_related = ["coach__user"]
    search_fields = ["coach__slug", "coach__user__email"]


@admin.register(DateOverride)
class DateOverrideAdmin(ReadOnlyAdmin):
    list_display = ["coach", "date"]
    list_select_related = ["coach__user"]
    search_fields = ["coach__slug", "coach__user__email"]
    date_hierarchy = "date"
    inlines = [OverrideIntervalInline]


@admin.register(TimeOff)
class TimeOffAdmin(ReadOnlyAdmin):
    list_display = ["coach", "start", "end", "reason"]
    list_select_related = ["coach__user"]
    search_fields = ["coach__slug", "coach__user__email"]
