"""Sign-up for API clients, through the same allauth form and flow as the sign-up page.

The page (allauth's view) and the API share the form (every field rule), the adapter (how the
user is saved), the rate limit and the verification email. Neither reveals whether an email
address already has an account: both answer "check your email" and allauth mails the owner.
"""

from allauth.account.internal import flows
from allauth.core import ratelimit
from django.http import HttpRequest

from tandem.core.errors import InvalidInput, RateLimited

from .forms import SignupForm


def account_signup(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    display_name: str = "",
    timezone_name: str = "",
) -> None:
    """Create an account awaiting email verification (or mail the existing owner)."""
    if not ratelimit.consume(request, action="signup"):
        raise RateLimited()
    form = SignupForm(
        data={
            "email": email,
            "password1": password,
            "password2": password,
            "display_name": display_name,
            "timezone": timezone_name,
        }
    )
    if not form.is_valid():
        fields = {
            ("password" if name in ("password1", "password2") else name): list(errors)
            for name, errors in form.errors.items()
        }
        raise InvalidInput("The sign-up was refused.", fields=fields)
    user, _ = form.try_save(request)
    if user is not None:
        flows.signup.complete_signup(request, user=user)
