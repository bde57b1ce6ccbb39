from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tandem.core.errors import ServiceError

from . import search, services
from .models import CoachProfile, Language, SessionType, Specialty


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Specialty, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The name is part of each coach's search document.
        search.refresh_search_vectors_for_specialty(obj.pk)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class SessionTypeInline(admin.TabularInline):
    model = SessionType
    extra = 0
    fields = [
        "name",
        "duration_minutes",
        "price",
        "currency",
        "slot_step_minutes",
        "min_notice_minutes",
        "booking_window_days",
        "location_kind",
        "requires_confirmation",
        "is_active",
    ]
    readonly_fields = ["currency"]
    show_change_link = False


@admin.register(CoachProfile)
class CoachProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "slug",
        "headline",
        "is_verified",
        "is_active",
        "currency",
        "min_price",
        "next_available_at",
    ]
    list_filter = ["is_verified", "is_active", "specialties", "languages"]
    search_fields = ["user__email", "user__display_name", "slug", "headline"]
    raw_id_fields = ["user"]
    filter_horizontal = ["specialties", "languages"]
    readonly_fields = [
        "public_id",
        "is_verified",
        "is_active",
        "min_price",
        "next_available_at",
        "created_at",
        "updated_at",
    ]
    inlines = [SessionTypeInline]
    actions = ["suspend", "restore_verification", "deactivate", "activate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")

    def save_formset(self, request, form, formset, change):
        # Session types are priced in the coach's currency, whatever the form said.
        for session_type in formset.save(commit=False):
            session_type.currency = form.instance.currency
            session_type.save()
        for session_type in formset.deleted_objects:
            session_type.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Keep the directory's denormalised columns as the services would.
        coach = form.instance
        # Every session type is priced in the coach's currency (untouched rows too, as
        # coach_profile_update relabels them), so min_price stays a price in that currency.
        coach.session_types.exclude(currency=coach.currency).update(currency=coach.currency)
        services.refresh_min_price([coach.pk])
        search.refresh_search_vectors([coach.pk])
        services.refresh_next_available_on_commit([coach.pk])

    def _each(self, request: HttpRequest, queryset: QuerySet, call, done: str) -> None:
        count = 0
        for coach in queryset:
            try:
                call(coach)
                count += 1
            except ServiceError as exc:
                self.message_user(request, f"{coach}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{count} coach(es) {done}.")

    @admin.action(description="Suspend: revoke verification (unlisted; the coach cannot undo)")
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda c: services.coach_profile_set_verified(
                coach_id=c.pk, staff_user=request.user, is_verified=False
            ),
            "suspended",
        )

    @admin.action(description="Restore verification")
    def restore_verification(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda c: services.coach_profile_set_verified(
                coach_id=c.pk, staff_user=request.user, is_verified=True
            ),
            "verified",
        )

    @admin.action(description="Deactivate (pause the listing)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda c: services.coach_profile_set_active(
                coach_id=c.pk, actor=request.user, is_active=False
            ),
            "deactivated",
        )

    @admin.action(description="Activate")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda c: services.coach_profile_set_active(
                coach_id=c.pk, actor=request.user, is_active=True
            ),
            "activated",
        )
