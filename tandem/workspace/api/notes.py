"""/api/v1/workspace/... : notes. Thin: parse, authorise through selectors.access, call one
service, present."""

from ninja import Router

router = Router(tags=["workspace: notes"])
