"""IANA zone names: which exist, and the current name for a legacy one.

Browsers report ICU's names, some of them retired (Chromium says "Asia/Calcutta" for
Asia/Kolkata). Storing the current name keeps one zone one string. The link table comes from
the tz database itself (tzdata.zi's "L target link" lines), not a hand-kept list.
"""

import zoneinfo
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    for root in zoneinfo.TZPATH:
        path = Path(root) / "tzdata.zi"
        if path.is_file():
            links: dict[str, str] = {}
            for line in path.read_text().splitlines():
                parts = line.split()
                # Only area/location names: "UTC" should stay "UTC", not become "Etc/UTC".
                if len(parts) == 3 and parts[0] == "L" and "/" in parts[2]:
                    links[parts[2]] = parts[1]
            return links
    return {}


def canonical_zone(name: str) -> str:
    """The current name of a zone (identity for names that are already current)."""
    return _links().get(name, name)


@lru_cache(maxsize=1)
def current_zones() -> list[str]:
    """Zones to offer in pickers: current names only, sorted."""
    return sorted(zone for zone in available_zones() if canonical_zone(zone) == zone)
