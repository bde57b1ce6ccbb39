"""Template filters for the coach pages: durations in words."""

from django import template

register = template.Library()


@register.filter
def minutes_human(value: object) -> str:
    """720 → "12 hours", 90 → "1 hour 30 min", 2880 → "2 days", 45 → "45 min"."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return ""
    days, rest = divmod(value, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)
