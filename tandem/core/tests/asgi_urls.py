"""Views for test_asgi_handler: a streaming answer and a sync view that calls async code."""

import asyncio

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(f"part {i};" for i in range(3))


async def _loop_id() -> int:
    return id(asyncio.get_running_loop())


def loop_of_async_code(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"loop": async_to_sync(_loop_id)()})


def cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("ok")
    response.set_cookie("flavour", "oat")
    return response


urlpatterns = [
    path("stream", stream),
    path("loop", loop_of_async_code),
    path("cookie", cookie),
]
