"""Light formatting is rendered safely: everything is escaped before markup is added."""

from tandem.messaging.formatting import preview, render


def test_script_and_img_onerror_come_out_as_text():
    html = render('<script>alert(1)</script> <img src=x onerror="alert(2)">')
    assert "<script" not in html and "<img" not in html
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&quot;alert(2)&quot;&gt;"
    )


def test_bold_italic_code_and_line_breaks():
    html = render("*bold* and _italic_\nthen `a <b> *c*` end")
    assert html == (
        "<strong>bold</strong> and <em>italic</em><br>\nthen <code>a &lt;b&gt; *c*</code> end"
    )


def test_emphasis_needs_word_boundaries():
    assert render("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"


def test_http_links_are_linked_and_escaped():
    html = render("see https://example.com/a?b=1&c=<2> now.")
    assert html == (
        'see <a href="https://example.com/a?b=1&amp;c=" rel="nofollow noopener noreferrer" '
        'target="_blank">https://example.com/a?b=1&amp;c=</a>&lt;2&gt; now.'
    )


def test_trailing_punctuation_stays_outside_links_but_balanced_parentheses_stay_in():
    assert render("(https://x.org/a).").startswith('(<a href="https://x.org/a"')
    assert 'href="https://en.wikipedia.org/wiki/A_(b)"' in render(
        "https://en.wikipedia.org/wiki/A_(b)"
    )


def test_other_schemes_are_never_links():
    for text in ("javascript:alert(1)", "data:text/html,<b>x</b>", "JaVaScRiPt://x"):
        assert "<a" not in render(text)


def test_quotes_cannot_break_out_of_an_attribute():
    html = render('https://x.org/"onmouseover="alert(1)')
    assert 'href="https://x.org/"' in html
    assert 'onmouseover="' not in html


def test_preview_is_one_bounded_line():
    assert preview("a\n\nb   c") == "a b c"
    assert len(preview("x" * 500)) == 140
