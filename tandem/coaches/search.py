"""Directory text search.

PostgreSQL: full-text search over `CoachProfile.search_vector`, a weighted document
(A: display name + headline, B: specialty names, C: bio) kept up to date by the services
(`refresh_search_vectors`) and GIN-indexed. Each query word is a prefix match
(`'leader':* & 'coach':*`, English stemming), ranked with ts_rank.

SQLite (the embedded default): every word must occur (icontains) in the name, headline, a
specialty name or the bio; relevance is a weighted score per word (name/headline 4,
specialty 2, bio 1). Same filters, same sorts, same pagination.

The two agree on plain whole words; they can differ at the edges (PostgreSQL stems and
matches word prefixes, SQLite matches substrings; PostgreSQL drops English stop words).
"""

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from tandem.accounts.selectors import users_with_pk

from .models import CoachProfile, Specialty

SEARCH_CONFIG = "english"
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Letters and digits only: safe inside a raw tsquery, and the same words on both backends.
_WORD = re.compile(r"[^\W_]+")


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search_terms(text: str) -> list[str]:
    """The distinct words of a query, lower-cased, at most MAX_TERMS of them."""
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word[:MAX_TERM_LENGTH]
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


def _specialty_names():
    from django.contrib.postgres.aggregates import StringAgg

    return Subquery(
        Specialty.objects.filter(coaches=OuterRef("pk"))
        .order_by()
        .values("coaches")
        .annotate(names=StringAgg("name", delimiter=" "))
        .values("names")[:1],
        output_field=TextField(),
    )


def _display_name():
    return Subquery(
        users_with_pk(OuterRef("user_id")).values("display_name")[:1],
        output_field=TextField(),
    )


def search_document():
    """The weighted tsvector expression for a coach row (PostgreSQL only)."""
    return (
        SearchVector(_display_name(), "headline", weight="A", config=SEARCH_CONFIG)
        + SearchVector(_specialty_names(), weight="B", config=SEARCH_CONFIG)
        + SearchVector("bio", weight="C", config=SEARCH_CONFIG)
    )


REFRESH_CHUNK = 2000


def refresh_search_vectors(coach_ids: Iterable[int] | None = None) -> int:
    """Recompute the search document of some coaches (all when coach_ids is None).

    One UPDATE statement per 2,000 coaches. A no-op off PostgreSQL. Call it after a change
    to a coach's name, headline, bio or specialties, or to a specialty's name (the services
    and the admin do), and after creating coach rows without the services (bulk imports).
    """
    if not uses_full_text():
        return 0
    if coach_ids is None:
        return CoachProfile.objects.update(search_vector=search_document())
    ids = sorted(set(coach_ids))
    updated = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        updated += CoachProfile.objects.filter(pk__in=chunk).update(search_vector=search_document())
    return updated


def refresh_search_vectors_for_user(user_id: int) -> None:
    """After a user's display name changed: refresh their coach document, if they coach."""
    if not uses_full_text():
        return
    refresh_search_vectors(
        CoachProfile.objects.filter(user_id=user_id).values_list("pk", flat=True)
    )


def refresh_search_vectors_for_specialty(specialty_id: int) -> None:
    if not uses_full_text():
        return
    refresh_search_vectors(
        CoachProfile.specialties.through.objects.filter(specialty_id=specialty_id).values_list(
            "coachprofile_id", flat=True
        )
    )


def apply_text_search(rows: QuerySet[CoachProfile], terms: list[str]) -> QuerySet[CoachProfile]:
    """Rows matching every term, annotated with `rank` (higher is more relevant)."""
    if not terms:
        return rows.annotate(rank=Value(0, output_field=IntegerField()))
    if uses_full_text():
        query = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), search_type="raw", config=SEARCH_CONFIG
        )
        # ts_rank is a float4, which psycopg reads from its short text form: as a cursor
        # key it would not compare equal to itself. As float8 it round-trips exactly.
        return rows.filter(search_vector=query).annotate(
            rank=Cast(SearchRank(F("search_vector"), query), output_field=FloatField())
        )
    score = Value(0, output_field=IntegerField())
    for term in terms:
        in_name = Q(user__display_name__icontains=term) | Q(headline__icontains=term)
        in_specialty = Exists(
            Specialty.objects.filter(coaches=OuterRef("pk"), name__icontains=term)
        )
        in_bio = Q(bio__icontains=term)
        rows = rows.filter(in_name | in_specialty | in_bio)
        score = score + Case(
            When(in_name, then=Value(4)),
            When(in_specialty, then=Value(2)),
            When(in_bio, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return rows.annotate(rank=Coalesce(score, Value(0), output_field=IntegerField()))
