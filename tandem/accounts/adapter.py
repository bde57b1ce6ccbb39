from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:  # type: ignore[no-untyped-def]
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.email = user.email.lower()
        user.display_name = data.get("display_name", "") or ""
        user.timezone = data.get("timezone") or "UTC"
        # The language the browser asked for (LocaleMiddleware), if Tandem speaks it.
        language = getattr(request, "LANGUAGE_CODE", "") or ""
        if language in dict(settings.LANGUAGES):
            user.locale = language
        if commit:
            user.save()
        return user
