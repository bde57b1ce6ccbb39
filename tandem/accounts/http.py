"""The request type of views that only signed-in users reach.

Django types `request.user` as `User | AnonymousUser`. Behind `login_required` (or any check
that sends anonymous visitors away first, such as the API's default authentication) the user is
a `User`; annotating such a view's request as `AuthenticatedHttpRequest` says so to the type
checker (the django-stubs idiom). It is a type only: Django still passes its own `HttpRequest`.
"""

from tandem.core.http import HtmxHttpRequest

from .models import User


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
