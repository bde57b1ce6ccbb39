"""The request type that says what django-htmx's middleware adds to every request.

`HtmxMiddleware` (in MIDDLEWARE for every request) sets `request.htmx`, which django-stubs'
`HttpRequest` does not know; views that read it annotate their request as `HtmxHttpRequest`
(the idiom django-htmx documents). It is a type only: Django still passes its own `HttpRequest`.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
