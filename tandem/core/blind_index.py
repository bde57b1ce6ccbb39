"""The blind index behind search over encrypted text (messages, workspace notes, journals):
words in, keyed digests out.

Ciphertext cannot be searched with SQL, so each message's normalised words (and their
prefixes of 3 to 20 characters) are hashed with HMAC-SHA256 under a key derived from the
message key, and only the digests are stored. A query is normalised and hashed the same way.

Trade-off (docs/messaging.md): someone holding the database without the keys learns which
messages share a word (or a prefix) and how often digests repeat, never the words themselves.
"""

from __future__ import annotations

import re
import unicodedata

from tandem.core.crypto import KeyRing

WORD = re.compile(r"\w+", re.UNICODE)
MIN_PREFIX = 3
MAX_PREFIX = 20
MAX_WORD = 64  # longer "words" (hashes, base64 blobs) are not worth indexing
MAX_QUERY_TERMS = 8
DIGEST_CHARS = 32  # 128 bits of the HMAC: collisions are not a practical concern


def words(text: str) -> list[str]:
    """Distinct normalised words in order: NFKC, case-folded, Unicode word characters."""
    seen: dict[str, None] = {}
    for match in WORD.finditer(unicodedata.normalize("NFKC", text).casefold()):
        word = match.group()
        if len(word) <= MAX_WORD:
            seen.setdefault(word, None)
    return list(seen)


def index_terms(text: str) -> set[str]:
    """What a message is findable by: each whole word, and each prefix of 3+ characters."""
    terms: set[str] = set()
    for word in words(text):
        terms.add(f"w:{word}")
        for n in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            terms.add(f"p:{word[:n]}")
    return terms


def query_terms(query: str) -> list[str]:
    """A query's terms (all must match): words of 3+ characters match as prefixes, shorter
    ones as whole words."""
    terms = []
    for word in words(query)[:MAX_QUERY_TERMS]:
        terms.append(f"p:{word[:MAX_PREFIX]}" if len(word) >= MIN_PREFIX else f"w:{word}")
    return terms


def digest(ring: KeyRing, term: str, *, key_index: int = 0) -> str:
    return ring.mac(term.encode(), key_index=key_index)[:DIGEST_CHARS]


def message_digests(ring: KeyRing, text: str) -> list[str]:
    """Digests to store for a message (always under the current key)."""
    return sorted(digest(ring, term) for term in index_terms(text))


def query_digests(ring: KeyRing, term: str) -> list[str]:
    """Digests of one query term under every configured key (see crypto.KeyRing)."""
    return [digest(ring, term, key_index=i) for i in range(len(ring.index_keys))]
