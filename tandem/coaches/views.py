"""Public pages: the coach directory (/coaches/) and a coach's page (/c/<slug>/) with its
week-by-week slot picker (/c/<slug>/slots, an htmx partial).

Thin: parse the query string, call a selector (coaches.selectors, coaches.page_queries),
render. Times are shown in the viewer's zone (page_queries.directory_zone / picker_zone).
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.http import push_url, replace_url

from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error
from tandem.core.http import HtmxHttpRequest
from tandem.core.money import SUPPORTED_CURRENCIES

from . import page_queries, selectors

PAGE_SIZE = selectors.DEFAULT_LIMIT
SORT_CHOICES = [
    ("relevance", "Best match"),
    ("price", "Lowest price"),
    ("next_available", "Soonest available"),
]
# The directory's own query parameters, in the order canonical URLs list them.
DIRECTORY_PARAMS = (
    "q",
    "specialty",
    "language",
    "price_min",
    "price_max",
    "currency",
    "available_from",
    "available_to",
    "sort",
    "tz",
)
# Sent by slots.js when it re-renders with the browser's zone: replace the URL, don't push.
AUTO_ZONE_HEADER = "X-Tandem-Auto-Zone"
# Prices are filtered and sorted in one currency (no exchange rates): the one in the URL,
# else the viewer's previous choice (this cookie), else DEFAULT_CURRENCY.
DEFAULT_CURRENCY = "EUR"
CURRENCY_COOKIE = "tandem_currency"
CURRENCY_COOKIE_AGE = 365 * 24 * 3600


class DirectoryForm(forms.Form):
    """The directory's filters (a GET form). Unknown specialties/languages are not errors:
    they simply match nobody."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": "Name, topic or keyword",
                "autocomplete": "off",
            }
        ),
    )
    specialty = forms.CharField(
        label="Specialty",
        required=False,
        max_length=60,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    language = forms.CharField(
        label="Language",
        required=False,
        max_length=8,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    price_min = forms.DecimalField(
        label="Price from",
        required=False,
        min_value=Decimal(0),
        error_messages={"min_value": "Enter 0 or more.", "invalid": "Enter an amount, such as 50."},
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    price_max = forms.DecimalField(
        label="Price to",
        required=False,
        min_value=Decimal(0),
        error_messages={"min_value": "Enter 0 or more.", "invalid": "Enter an amount, such as 50."},
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "decimal"}),
    )
    available_from = forms.DateField(
        label="Free from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    available_to = forms.DateField(
        label="Free until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    currency = forms.ChoiceField(
        label="Currency",
        required=False,
        choices=[(code, f"{code} — {name}") for code, name in SUPPORTED_CURRENCIES.items()],
        error_messages={"invalid_choice": "Choose a currency from the list."},
        widget=forms.Select(attrs={"class": "form-select", "aria-describedby": "price-help"}),
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORT_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(
        self, *args, specialties=(), languages=(), currency=DEFAULT_CURRENCY, **kwargs
    ) -> None:
        if args and not args[0].get("currency"):  # the default currency, shown as chosen
            args = (args[0].copy(), *args[1:])
            args[0]["currency"] = currency
        super().__init__(*args, **kwargs)
        self.fields["specialty"].widget.choices = [("", "Any specialty")] + [
            (s.slug, s.name) for s in specialties
        ]
        self.fields["language"].widget.choices = [("", "Any language")] + [
            (lang.code, lang.name) for lang in languages
        ]
        # A value not in the list (an old link, say) stays visible in its select: it is
        # why nobody matches.
        for name in ("specialty", "language"):
            value = str(self.data.get(name, "")) if self.is_bound else ""
            choices = self.fields[name].widget.choices
            known = {str(key).lower() for key, _ in choices}
            if value and len(value) <= 60 and "\x00" not in value and value.lower() not in known:
                choices.append((value, f"{value[:60]} (unknown)"))

    def clean_available_from(self) -> date | None:
        return self._in_range(self.cleaned_data.get("available_from"))

    def clean_available_to(self) -> date | None:
        return self._in_range(self.cleaned_data.get("available_to"))

    @staticmethod
    def _in_range(day: date | None) -> date | None:
        if day is not None and not page_queries.MIN_DATE <= day <= page_queries.MAX_DATE:
            raise forms.ValidationError("Choose a date between the years 2000 and 2100.")
        return day

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (typed as maybe None)
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "Make “Price to” at least “Price from”.")
        first, last = data.get("available_from"), data.get("available_to")
        if first and last and last < first:
            self.add_error(
                "available_to", "Make “Free until” the same day as “Free from” or later."
            )
        return data


def _directory_query(request: HttpRequest, zone: page_queries.ViewerZone, **extra: str) -> str:
    """The canonical query string of what was asked: non-empty parameters only, the zone by
    its current name (Chromium still says Asia/Calcutta), an unknown zone left out."""
    pairs = []
    for name in DIRECTORY_PARAMS:
        value = request.GET.get(name, "").strip()
        if name == "tz":
            value = zone.name if zone.source == "param" else ""
        if value and not (name == "sort" and value == "relevance"):
            pairs.append((name, value))
    pairs += [(k, v) for k, v in extra.items() if v]
    return urlencode(pairs)


def _default_currency(request: HttpRequest) -> str:
    """The viewer's previous choice (cookie) if it is a currency we know, else EUR."""
    chosen = request.COOKIES.get(CURRENCY_COOKIE, "")
    return chosen if chosen in SUPPORTED_CURRENCIES else DEFAULT_CURRENCY


def _filters_active(form: DirectoryForm) -> bool:
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return False
    data = form.cleaned_data
    return any(
        data.get(name) not in (None, "")
        for name in ("q", "specialty", "language", "price_min", "price_max")
    ) or bool(data.get("available_from") or data.get("available_to"))


@require_safe
def directory(request: HtmxHttpRequest) -> HttpResponse:
    form = DirectoryForm(
        request.GET,
        specialties=list(selectors.specialties()),
        languages=list(selectors.languages()),
        currency=_default_currency(request),
    )
    zone = page_queries.directory_zone(request.user, request.GET.get("tz"))
    now = timezone.now()
    cursor = request.GET.get("cursor") or None
    page = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        window_start, window_end = page_queries.local_date_window(
            data["available_from"], data["available_to"], zone.info
        )
        try:
            page = selectors.coach_directory(
                text=data["q"],
                specialty=data["specialty"] or None,
                language=data["language"] or None,
                price_min=data["price_min"],
                price_max=data["price_max"],
                currency=data["currency"],
                available_from=window_start,
                available_to=window_end,
                sort=data["sort"] or "relevance",
                cursor=cursor,
                limit=PAGE_SIZE,
                now=now,
            )
        except ServiceError as exc:
            if "cursor" in exc.fields:  # a doctored or outdated "Load more" link
                form.add_error(None, "That page of results is no longer available.")
            else:
                add_service_error(form, exc)
            status = 400
    else:
        status = 400

    query = _directory_query(request, zone)
    context = {
        "form": form,
        "zone": zone,
        "cards": page_queries.directory_cards(page.items, now=now) if page else [],
        "next_cursor": page.next_cursor if page else None,
        "more_query": _directory_query(request, zone, cursor=page.next_cursor)
        if page and page.next_cursor
        else "",
        "query": query,
        "continued": bool(cursor),
        "filters_active": _filters_active(form),
        "clear_url": reverse("coach_directory")
        + (f"?{urlencode({'tz': zone.name})}" if zone.source == "param" else ""),
        "tz_auto": zone.source == "default" and not zone.param_given,
        "currency": form.cleaned_data.get("currency") if page else None,
        "price_filtered": bool(page)
        and any(form.cleaned_data.get(name) is not None for name in ("price_min", "price_max")),
        "price_sorted": bool(page) and form.cleaned_data.get("sort") == "price",
    }
    target = request.htmx.target if request.htmx else None
    if target == "coach-list":  # "Load more" appends to the list
        response = render(request, "coaches/partials/directory_more.html", context, status=status)
    elif target == "directory-results":
        response = render(
            request,
            "coaches/partials/directory_results.html",
            {**context, "oob": True},
            status=status,
        )
        url = reverse("coach_directory") + (f"?{query}" if query else "")
        if request.headers.get(AUTO_ZONE_HEADER):
            response = replace_url(response, url)
        elif status == 200:
            response = push_url(response, url)
    else:
        response = render(request, "coaches/directory.html", context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    chosen = request.GET.get("currency", "")
    if (
        status == 200
        and chosen in SUPPORTED_CURRENCIES
        and chosen != request.COOKIES.get(CURRENCY_COOKIE)
    ):
        # Remember the choice: the next visit compares prices in it by default.
        response.set_cookie(
            CURRENCY_COOKIE, chosen, max_age=CURRENCY_COOKIE_AGE, samesite="Lax", httponly=True
        )
    return response


def _listed_or_404(slug: str):
    coach = selectors.coach_get_listed(slug)
    if coach is None:
        raise Http404("No such coach.")
    return coach


def _page_url(coach, query: dict[str, str]) -> str:
    url = reverse("coach_public", args=[coach.slug])
    return f"{url}?{urlencode(query)}" if query else url


@require_safe
def coach_public(request: HttpRequest, slug: str) -> HttpResponse:
    coach = _listed_or_404(slug)
    if slug != coach.slug:  # a public id or another spelling: one address per coach
        url = reverse("coach_public", args=[coach.slug])
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{url}?{query}" if query else url, permanent=True)
    now = timezone.now()
    picker_request = page_queries.picker_request(coach, request.GET, request.user, strict=False)
    picker = page_queries.week_picker(coach, picker_request, now=now)
    context = {
        "coach": coach,
        "name": page_queries.display_name(coach),
        "initials": page_queries.initials(page_queries.display_name(coach)),
        "photo_url": coach.photo.url if coach.photo else None,
        "price": page_queries.price_summary(picker.session_types),
        "picker": picker,
        "problems": picker_request.problems,
        "tz_auto": picker.zone.source == "default" and not picker.zone.param_given,
    }
    return render(request, "coaches/public.html", context)


@require_safe
def coach_slots(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The slot picker alone, for htmx (previous/next week, another zone or session type)."""
    coach = _listed_or_404(slug)
    if not request.htmx:
        # Someone opened the fragment's address: show the whole page at the same place.
        query = request.META.get("QUERY_STRING", "")
        url = reverse("coach_public", args=[coach.slug])
        return redirect(f"{url}?{query}#slot-picker" if query else f"{url}#slot-picker")
    try:
        picker_request = page_queries.picker_request(coach, request.GET, request.user, strict=True)
    except ServiceError as exc:
        response = render(
            request,
            "coaches/partials/slot_picker_error.html",
            {"coach": coach, "message": exc.message, "status": exc.status},
            status=exc.status,
        )
        patch_vary_headers(response, ["HX-Request"])
        return response
    picker = page_queries.week_picker(coach, picker_request, now=timezone.now())
    response = render(request, "coaches/partials/slot_picker.html", {"picker": picker, "oob": True})
    page_url = _page_url(coach, picker.query())
    if request.headers.get(AUTO_ZONE_HEADER):
        response = replace_url(response, page_url)
    else:
        response = push_url(response, page_url)
    patch_vary_headers(response, ["HX-Request"])
    return response
