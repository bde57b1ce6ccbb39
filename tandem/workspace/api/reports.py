"""/api/v1/workspace/... : reports. Thin: parse, authorise through selectors.access, call one
service, present."""

from ninja import Router

router = Router(tags=["workspace: reports"])
