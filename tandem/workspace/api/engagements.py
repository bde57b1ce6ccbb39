"""/api/v1/workspace/... : engagements. Thin: parse, authorise through selectors.access, call one
service, present."""

from ninja import Router

router = Router(tags=["workspace: engagements"])
