"""Aggregates over many clients' workspaces, for apps above the workspace (orgs' sponsor
reports). Numbers only: no title, text or id of a goal ever leaves this module, and the
caller (orgs/reporting/selectors.py) applies the sponsor's minimum group size."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When

from ..models import Goal


def goal_progress_by_client(
    pairs: QuerySet[Any], *, client_field: str = "user_id", coach_field: str = "coach_id"
) -> dict[int, float]:
    """Average goal progress (0-100) per client, over each client's goals (active or
    achieved; dropped ones left out; an achieved goal counts as 100) in their engagement with
    the coach that `pairs` names for them.

    `pairs` is any queryset whose rows carry a client's user id (`client_field`) and a coach
    profile id (`coach_field`), e.g. a programme's participants: it is used as a correlated
    EXISTS, so this is one query whatever the number of clients. Clients without such goals
    are absent from the answer.
    """
    matching = pairs.filter(
        **{
            client_field: OuterRef("engagement__client_id"),
            coach_field: OuterRef("engagement__coach_id"),
        }
    )
    rows = (
        # The IN narrows to the clients' engagements first (their index); EXISTS pairs coaches.
        Goal.objects.filter(engagement__client_id__in=pairs.values(client_field))
        .filter(Exists(matching.values("pk")))
        .exclude(status=Goal.Status.DROPPED)
        .values("engagement__client_id")
        .annotate(
            average=Avg(
                Case(
                    When(status=Goal.Status.ACHIEVED, then=Value(100)),
                    default=F("progress"),
                    output_field=IntegerField(),
                )
            )
        )
        .order_by()
        .values_list("engagement__client_id", "average")
    )
    return {client_id: float(average) for client_id, average in rows}
