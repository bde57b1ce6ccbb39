"""The request type of views that only signed-in users reach.

Django types `request.user` as `User | AnonymousUser`. Behind `login_required` (or any check
that sends anonymous visitors away first) the user is a `User`; annotating such a view's
request as `AuthenticatedHttpRequest` says so to the type checker (the django-stubs idiom).
It is a type only: Django still passes its own `HttpRequest`.
"""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
