"""The blind index over one person's own workspace text (core/blind_index.py's scheme, the one
messages use): a coach's notes, a client's journal. Services call `index` after every save of
such text (in the same transaction) and `unindex` when it is deleted; `find` answers a query.

Only the owner's own index is searched, so a search can never find someone else's text; the
caller still loads the hits through the access selectors before showing them.
"""

from __future__ import annotations

from typing import Any

from tandem.core import blind_index
from tandem.core.crypto import keyring
from tandem.core.errors import InvalidInput

from ..models import SearchTerm

MAX_QUERY = 200


def index(*, owner: Any, kind: str, object_id: int, text: str) -> None:
    """Replace the object's digests with those of `text` (under the current key)."""
    SearchTerm.objects.filter(kind=kind, object_id=object_id).delete()
    digests = blind_index.message_digests(keyring(), text)
    SearchTerm.objects.bulk_create(
        [SearchTerm(owner=owner, kind=kind, object_id=object_id, digest=d) for d in digests],
        ignore_conflicts=True,
    )


def unindex(*, kind: str, object_id: int) -> None:
    SearchTerm.objects.filter(kind=kind, object_id=object_id).delete()


def find(*, owner: Any, query: str, kinds: tuple[str, ...]) -> dict[str, set[int]]:
    """{kind: object ids} of the owner's objects matching every term of `query` (words of 3+
    characters match as prefixes). An empty query finds nothing."""
    if "\x00" in query or len(query) > MAX_QUERY:
        raise InvalidInput(
            f"A search is at most {MAX_QUERY} characters of text.", fields={"q": ["invalid"]}
        )
    terms = blind_index.query_terms(query)
    if not terms:
        return {kind: set() for kind in kinds}
    ring = keyring()
    found: dict[str, set[int]] = {}
    for kind in kinds:
        ids: set[int] | None = None
        for term in terms:
            digests = blind_index.query_digests(ring, term)
            hits = set(
                SearchTerm.objects.filter(owner=owner, kind=kind, digest__in=digests).values_list(
                    "object_id", flat=True
                )
            )
            ids = hits if ids is None else ids & hits
            if not ids:
                break
        found[kind] = ids or set()
    return found
