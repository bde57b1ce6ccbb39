"""The workspace's service errors (code + HTTP status; the API and pages render them)."""

from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class EngagementNotFound(NotFound):
    """No such engagement."""

    code = "engagement_not_found"


class ObjectNotFound(NotFound):
    """Not found."""

    code = "not_found"


class EngagementEnded(Conflict):
    """This engagement has ended; its workspace is read-only."""

    code = "engagement_ended"


class NotAllowed(PermissionDenied):
    """Only the other side of the engagement may do that."""

    code = "forbidden"


__all__ = [
    "EngagementEnded",
    "EngagementNotFound",
    "InvalidInput",
    "NotAllowed",
    "ObjectNotFound",
]
