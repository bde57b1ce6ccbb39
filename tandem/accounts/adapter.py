from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:  # type: ignore[no-untyped-def]
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.email = user.email.lower()
        user.display_name = data.get("display_name", "") or ""
        user.timezone = data.get("timezone") or "UTC"
        if commit:
            user.save()
        return user
