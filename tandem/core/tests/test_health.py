"""The health check that load balancers and `make run` poll."""

from django.db import connection
from django.test import Client


def test_healthz_answers_200_json_with_the_database_vendor(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    assert body["database"] in {"sqlite", "postgresql"}


def test_healthz_is_never_cached(db):
    response = Client().get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
