"""axe-core in real Chromium on the main pages: no "serious" or "critical" violations.

axe-core comes from npm (node_modules/axe-core). The pages' CSP allows only same-origin
scripts, so the axe run uses a context with bypass_csp=True to inject it.
"""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}

# name: (path, user fixture or None for a signed-out visitor)
PAGES = {
    "landing": ("/", None),
    "login": ("/accounts/login/", None),
    "signup": ("/accounts/signup/", None),
    "password_reset": ("/accounts/password/reset/", None),
    "dashboard_client": ("/dashboard/", "bob"),
    "dashboard_coach": ("/dashboard/", "alice"),
    "dashboard_staff": ("/dashboard/", "staff_user"),
    "settings_profile": ("/settings/", "bob"),
    "settings_tokens": ("/settings/tokens/", "bob"),
    "settings_coach": ("/settings/coach/", "bob"),
    "two_factor_index": ("/accounts/2fa/", "bob"),
}


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(  # type: ignore[no-untyped-def]
    name, request, browser_context, live_server, login_as
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    path, user_fixture = PAGES[name]
    context = browser_context(bypass_csp=True)
    if user_fixture:
        user = request.getfixturevalue(user_fixture)
        login_as(context, user)
        if name == "settings_tokens":
            from tandem.accounts.services import api_token_create

            api_token_create(user=user, name="Calendar sync")

    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    assert page.url == f"{live_server.url}{path}", f"{path} redirected to {page.url}"
    if name == "settings_tokens":
        assert "Calendar sync" in page.locator("main").inner_text()

    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {path} ({name}):\n{_describe(violations)}"
