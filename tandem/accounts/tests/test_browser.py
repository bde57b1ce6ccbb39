"""Accounts in real Chromium: sign-up, email verification, sign-in, TOTP, recovery codes,
password reset, token permissions, small screens and the keyboard.

Elements are found by field name, label and button text (allauth's own), never by CSS class:
the look of the pages may change, the names may not. Email goes over real SMTP to a local
aiosmtpd server (see tandem/conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-brand-new-passphrase-42"
TOTP_STEP = 30


def button(page: Page, text: str):
    """The button whose accessible name is `text` (case-insensitive, whole name)."""
    return page.get_by_role("button", name=re.compile(rf"^\s*{re.escape(text)}\s*$", re.I))


def form_button(page: Page, field: str, text: str):
    """The `text` button of the form that holds the field named `field`."""
    form = page.locator("form").filter(has=page.locator(f'[name="{field}"]'))
    return form.get_by_role("button", name=re.compile(rf"^\s*{re.escape(text)}\s*$", re.I))


def submit(page: Page, locator) -> None:
    """Click a submit button and wait until the answer (page or redirect) has loaded."""
    with page.expect_navigation():
        locator.click()


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator('[name="login"]').fill(email)
    page.locator('[name="password"]').fill(password)
    submit(page, form_button(page, "password", "Sign In"))


def sign_out(page: Page, base: str) -> None:
    """Sign out with a Sign out button (a POST form), from whatever page offers one."""
    sign_out_button = page.get_by_role("button", name=re.compile(r"^\s*sign out\s*$", re.I))
    if sign_out_button.count() == 0:
        page.goto(f"{base}/accounts/logout/")
    submit(page, sign_out_button.first)
    expect(page).to_have_url(f"{base}/")
    # Signed out: a page for members sends us to the sign-in page.
    page.goto(f"{base}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def fresh_totp(page: Page, secret: str, totp, *, after_step: int | None = None):
    """(step, code) for the current 30-s step, first waiting if needed.

    Waits (it asserts nothing about time) until the step is later than `after_step` — allauth
    refuses a code already used in its step — and until the step has a few seconds left, so
    the server checks the code in the same step it was computed for.
    """
    while True:
        now = time.time()
        step = int(now // TOTP_STEP)
        left = (step + 1) * TOTP_STEP - now
        if (after_step is None or step > after_step) and left > 3:
            return step, totp(secret, step)
        page.wait_for_timeout(left * 1000 + 100)


def activate_totp(page: Page, base: str, password: str, totp) -> tuple[str, int, list[str]]:
    """Turn on TOTP in the browser: (secret, step used, recovery codes shown afterwards)."""
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if "/accounts/reauthenticate/" in page.url:
        # allauth asks for the password again before changing the second factor.
        page.locator('[name="password"]').fill(password)
        submit(page, form_button(page, "password", "Confirm"))
        expect(page).to_have_url(f"{base}/accounts/2fa/totp/activate/")
    secret = page.get_by_label("Authenticator secret").input_value().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), f"not a base32 secret: {secret!r}"
    step, code = fresh_totp(page, secret, totp)
    page.locator('[name="code"]').fill(code)
    submit(page, form_button(page, "code", "Activate"))
    # allauth shows the new recovery codes right after activation.
    expect(page).to_have_url(f"{base}/accounts/2fa/recovery-codes/")
    codes = page.get_by_label("Unused codes").input_value().split()
    return secret, step, codes


def test_signup_verify_sign_in_and_two_factor(
    browser_context, live_server, smtp_mailbox, totp, settings
):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from tandem.accounts.models import User

    base = live_server.url
    settings.TANDEM_SITE_URL = base  # emailed links point at the site's public URL
    address = "dana@example.com"
    context = browser_context(timezone_id="Asia/Kolkata")
    page = context.new_page()

    # Sign up.
    page.goto(f"{base}/accounts/signup/")
    page.locator('[name="display_name"]').fill("Dana Dev")
    page.locator('[name="email"]').fill(address)
    page.locator('[name="password1"]').fill(PASSWORD)
    page.locator('[name="password2"]').fill(PASSWORD)
    submit(page, form_button(page, "password2", "Sign Up"))
    expect(page).to_have_url(f"{base}/accounts/confirm-email/")
    expect(page.locator("body")).to_contain_text(
        re.compile(r"sent an email to you for verification", re.I)
    )

    # The verification email came over SMTP; its link points at this server.
    message = smtp_mailbox.wait_for(address, subject="confirm")
    link = smtp_mailbox.link(message, r"/accounts/confirm-email/")
    assert link.startswith(f"{base}/"), link
    page.goto(link)
    submit(page, button(page, "Confirm"))
    expect(page).not_to_have_url(link)
    assert EmailAddress.objects.get(email=address).verified

    # Sign in; the dashboard shows, and the browser's zone was stored at sign-up.
    sign_in(page, base, address, PASSWORD)
    expect(page).to_have_url(f"{base}/dashboard/")
    expect(page.locator("body")).to_contain_text("Dana Dev")
    user = User.objects.get(email=address)
    assert user.timezone == "Asia/Kolkata"
    assert user.display_name == "Dana Dev"

    # Turn on TOTP with a code computed from the secret the page shows.
    secret, activation_step, codes = activate_totp(page, base, PASSWORD, totp)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert len(codes) == 10, codes
    # The recovery codes can be viewed again later.
    page.goto(f"{base}/accounts/2fa/recovery-codes/")
    assert page.get_by_label("Unused codes").input_value().split() == codes

    sign_out(page, base)

    # Sign in again: the password is not enough, the next page asks for the code.
    sign_in(page, base, address, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    code_field = page.locator('[name="code"]')
    expect(code_field).to_be_visible()

    # A wrong code is refused: still on the code page, still signed out.
    _, code = fresh_totp(page, secret, totp)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    code_field.fill(wrong)
    submit(page, form_button(page, "code", "Sign In"))
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.locator('[name="code"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("Incorrect code")

    # The right code (from a step after the one used to activate) signs in.
    _, code = fresh_totp(page, secret, totp, after_step=activation_step)
    page.locator('[name="code"]').fill(code)
    submit(page, form_button(page, "code", "Sign In"))
    expect(page).to_have_url(f"{base}/dashboard/")
    expect(page.locator("body")).to_contain_text("Dana Dev")


def test_recovery_code_signs_in_once(browser_context, live_server, bob, totp):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    base = live_server.url
    page = browser_context().new_page()
    sign_in(page, base, bob.email, PASSWORD)
    expect(page).to_have_url(f"{base}/dashboard/")
    _, _, codes = activate_totp(page, base, PASSWORD, totp)
    assert len(codes) == 10, codes
    sign_out(page, base)

    # A recovery code instead of a TOTP code signs in...
    sign_in(page, base, bob.email, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    page.locator('[name="code"]').fill(codes[0])
    submit(page, form_button(page, "code", "Sign In"))
    expect(page).to_have_url(f"{base}/dashboard/")
    rc = RecoveryCodes(Authenticator.objects.get(user=bob, type=Authenticator.Type.RECOVERY_CODES))
    assert codes[0] not in rc.get_unused_codes()
    assert len(rc.get_unused_codes()) == 9
    sign_out(page, base)

    # ...once: used again, it is refused and we stay on the code page.
    sign_in(page, base, bob.email, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    page.locator('[name="code"]').fill(codes[0])
    submit(page, form_button(page, "code", "Sign In"))
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.locator('[name="code"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("Incorrect code")

    # Another unused code still works.
    page.locator('[name="code"]').fill(codes[1])
    submit(page, form_button(page, "code", "Sign In"))
    expect(page).to_have_url(f"{base}/dashboard/")


def test_password_reset(browser_context, live_server, smtp_mailbox, bob, settings):
    base = live_server.url
    settings.TANDEM_SITE_URL = base  # emailed links point at the site's public URL
    page = browser_context().new_page()
    page.goto(f"{base}/accounts/password/reset/")
    page.locator('[name="email"]').fill(bob.email)
    submit(page, form_button(page, "email", "Reset My Password"))
    expect(page).to_have_url(f"{base}/accounts/password/reset/done/")

    message = smtp_mailbox.wait_for(bob.email, subject="password reset")
    link = smtp_mailbox.link(message, r"/accounts/password/reset/key/")
    assert link.startswith(f"{base}/"), link
    page.goto(link)
    page.locator('[name="password1"]').fill(NEW_PASSWORD)
    page.locator('[name="password2"]').fill(NEW_PASSWORD)
    submit(page, form_button(page, "password2", "Change Password"))
    expect(page).to_have_url(f"{base}/accounts/password/reset/key/done/")

    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)
    sign_in(page, base, bob.email, NEW_PASSWORD)
    expect(page).to_have_url(f"{base}/dashboard/")


def test_stranger_cannot_revoke_someone_elses_token(browser_context, live_server, bob, charlie):
    from tandem.accounts.models import ApiToken
    from tandem.accounts.services import api_token_create

    base = live_server.url
    bobs_token, _ = api_token_create(user=bob, name="Calendar sync")
    charlies_token, _ = api_token_create(user=charlie, name="Charlie's own")

    context = browser_context()
    page = context.new_page()
    sign_in(page, base, charlie.email, PASSWORD)
    expect(page).to_have_url(f"{base}/dashboard/")
    # page.request shares the browser's cookies; Django wants the CSRF cookie echoed.
    csrf = next(c["value"] for c in context.cookies(base) if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": f"{base}/settings/tokens/"}

    response = page.request.post(
        f"{base}/settings/tokens/{bobs_token.public_id}/revoke/", headers=headers
    )
    assert response.status == 404, response.status
    assert "text/html" in response.headers["content-type"]
    bobs_token.refresh_from_db()
    assert bobs_token.revoked_at is None
    assert ApiToken.objects.filter(user=bob, revoked_at__isnull=True).count() == 1

    # The same request for Charlie's own token works, so the 404 above is the permission check.
    response = page.request.post(
        f"{base}/settings/tokens/{charlies_token.public_id}/revoke/", headers=headers
    )
    assert response.ok, response.status
    charlies_token.refresh_from_db()
    assert charlies_token.revoked_at is not None


@pytest.mark.parametrize(
    "path,signed_in",
    [
        ("/", False),
        ("/accounts/login/", False),
        ("/accounts/signup/", False),
        ("/dashboard/", True),
    ],
)
def test_no_horizontal_scroll_at_360px(
    browser_context, live_server, login_as, bob, path, signed_in
):
    context = browser_context(viewport={"width": 360, "height": 740})
    if signed_in:
        login_as(context, bob)
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.ok, response and response.status
    assert page.url == f"{live_server.url}{path}"
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 360, f"{path} scrolls sideways at 360 px: scrollWidth {widths}"


FOCUS_STYLE = """async (el) => {
    // Let any focus transition finish, then read what a sighted keyboard user sees.
    await Promise.all(el.getAnimations().map((a) => a.finished.catch(() => null)));
    const s = getComputedStyle(el);
    return {outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            outlineVisible: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
            boxShadow: s.boxShadow, border: s.borderColor, background: s.backgroundColor};
}"""


def test_keyboard_reaches_sign_in_form_with_visible_focus(browser_context, live_server):
    page = browser_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    email_field = page.locator('[name="login"]')
    sign_in_button = form_button(page, "password", "Sign In")

    reached: dict[str, dict] = {}
    order: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        for key, target in (("login", email_field), ("submit", sign_in_button)):
            if key not in reached and target.evaluate("el => el === document.activeElement"):
                reached[key] = target.evaluate(FOCUS_STYLE)
                order.append(key)
        if len(reached) == 2:
            break
    assert "login" in reached, "Tab from the top never reaches the email field"
    assert "submit" in reached, "Tab from the top never reaches the Sign In button"
    assert order == ["login", "submit"], f"focus order: {order}"

    for key, target in (("login", email_field), ("submit", sign_in_button)):
        focused = reached[key]
        target.evaluate("el => el.blur()")
        unfocused = target.evaluate(FOCUS_STYLE)
        assert focused["outlineVisible"] or focused["boxShadow"] != "none", (key, focused)
        assert (focused["outline"], focused["boxShadow"]) != (
            unfocused["outline"],
            unfocused["boxShadow"],
        ), f"{key}: focus is not visible ({focused} vs {unfocused})"
