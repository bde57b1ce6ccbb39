from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from tandem.core.errors import ServiceError

from . import services
from .models import ApiToken, CoachApplication, User


def _staff(request: HttpRequest) -> User:
    """Who is at the admin: `admin_site.admin_view` sends anyone but active staff to its login
    before any ModelAdmin method runs, so this is a signed-in user."""
    user = request.user
    assert user.is_authenticated, "admin views are for signed-in staff only"
    return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "timezone", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["public_id", "email", "password"]}),
        ("Profile", {"fields": ["display_name", "timezone", "locale"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class CoachApplicationDecisionForm(forms.ModelForm):
    """The change form decides a pending application through the service (with a reason)."""

    decision = forms.ChoiceField(
        choices=[("", "Keep pending"), ("approve", "Approve"), ("reject", "Reject")],
        required=False,
        help_text="Approving verifies the coach; rejecting needs a reason. "
        "The applicant is emailed either way.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text="Required to reject: the applicant receives it.",
    )

    class Meta:
        model = CoachApplication
        fields: list[str] = []

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns (typed as maybe None)
        decision = cleaned.get("decision")
        if decision:
            try:
                cleaned["reason"] = services.validate_decision_reason(
                    approve=decision == "approve", reason=cleaned.get("reason") or ""
                )
            except ServiceError as exc:
                self.add_error("reason", exc.message)
        return cleaned


@admin.register(CoachApplication)
class CoachApplicationAdmin(admin.ModelAdmin):
    form = CoachApplicationDecisionForm
    list_display = ["user", "headline", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__email", "headline"]
    readonly_fields = [
        "public_id",
        "user",
        "status",
        "headline",
        "motivation",
        "credentials",
        "certificate",
        "rejection_reason",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    # Rejecting needs a reason per application: open it and use the decision fields below
    # (or the staff API's review queue). Approving many at once is safe as a list action.
    actions = ["approve"]

    def get_fieldsets(self, request: HttpRequest, obj: CoachApplication | None = None) -> list:
        fieldsets: list = [(None, {"fields": self.readonly_fields})]
        if obj is not None and obj.status == CoachApplication.Status.PENDING:
            fieldsets.append(("Decision", {"fields": ["decision", "reason"]}))
        return fieldsets

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users apply themselves

    def save_model(self, request: HttpRequest, obj: CoachApplication, form, change: bool) -> None:
        decision = form.cleaned_data.get("decision")
        if not decision:
            return
        try:
            services.coach_application_decide(
                application_id=obj.pk,
                staff_user=_staff(request),
                approve=decision == "approve",
                reason=form.cleaned_data.get("reason") or "",
            )
        except ServiceError as exc:
            self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)

    def _decide(self, request: HttpRequest, queryset: QuerySet, approve: bool) -> None:
        done = 0
        for application in queryset:
            try:
                services.coach_application_decide(
                    application_id=application.pk, staff_user=_staff(request), approve=approve
                )
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{application}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} application(s) decided.")

    @admin.action(description="Approve selected applications")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=True)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "name"]
    readonly_fields = ["public_id", "user", "hint", "digest", "created_at", "last_used_at"]
