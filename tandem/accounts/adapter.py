from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest

from tandem.core.links import site_netloc, site_url

from .models import User


class _PublicSite:
    """What allauth's email templates read as `current_site` (name, domain)."""

    name = "Tandem"

    @property
    def domain(self) -> str:
        return site_netloc()


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth builds its links (confirm email, reset password, sign up) from the request's
        # host; every absolute link Tandem sends comes from TANDEM_SITE_URL instead (behind a
        # proxy the request's host is an internal name). Rebase what allauth built, whichever
        # of its flows built it, and name the public site in the footer.
        request = allauth_context.request
        if request is not None:
            origin = request.build_absolute_uri("/")
            context = {
                key: site_url("/" + value[len(origin) :])
                if isinstance(value, str) and value.startswith(origin)
                else value
                for key, value in context.items()
            }
        super().send_mail(template_prefix, email, {"current_site": _PublicSite(), **context})
