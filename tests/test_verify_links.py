"""Which link of a message is the one to click to verify, confirm, sign in or reset (first in `o`, `tmail link`).

The fixtures are written for this test in the style of sign-up mail and newsletters; none is copied from a sender.
"""

from __future__ import annotations

import pytest

from tmail_tui.render import Link, for_reader
from tmail_tui.verify_links import RankedLink, rank_links, verification_link


def links(*pairs: tuple[str, str]) -> list[Link]:
    return [Link(n, url, label) for n, (url, label) in enumerate(pairs, 1)]


FOOTER = (("https://app.example/", "[image: App logo]"), ("https://app.example/help/faq", "Help centre"),
          ("https://app.example/email/unsubscribe?u=77", "Unsubscribe"), ("https://www.facebook.com/app", "Facebook"))


@pytest.mark.parametrize("label", [
    "Verify my email", "Confirm your address", "Activate account", "Sign in to App", "Reset password",
    "E-Mail-Adresse bestätigen", "Jetzt anmelden", "Confirmer mon adresse", "Confirmar correo", "Verificar cuenta",
    "Ativar conta", "Conferma l'indirizzo", "Bevestig je e-mailadres", "Bekräfta din e-post", "Potwierdź adres",
    "Potvrdit e-mail", "Confirmă adresa", "E-postanızı onaylayın", "Hesabı doğrula", "Verifikasi email",
    "Xác nhận email", "Επιβεβαίωση email", "Подтвердить почту", "Підтвердити пошту", "تأكيد البريد الإلكتروني",
    "تأیید ایمیل", "אמת את הכתובת", "ईमेल सत्यापित करें", "ইমেল যাচাই করুন", "ยืนยันอีเมล", "验证邮箱", "確認する",
    "メールアドレスを認証", "이메일 인증",
])
def test_the_button_that_verifies_comes_first_in_any_language(label):
    ranked = rank_links(links(FOOTER[0], ("https://go.example/c/a81f", label), *FOOTER[1:]))
    assert ranked[0] == RankedLink(Link(2, "https://go.example/c/a81f", label), True, f"words: {label}")
    assert [r.link.number for r in ranked] == [2, 1, 3, 4, 5]  # the others keep the mail's order
    assert not any(r.is_verification for r in ranked[1:])


def test_the_address_alone_can_tell_but_needs_more_than_a_token():
    assert verification_link(links(("https://app.example/account/verify?token=9f2c", "Click here"))) is not None
    assert verification_link(links(("https://app.example/auth/magic?secret=71aa", ""))) is not None
    assert verification_link(links(("https://news.example/story/42?token=9f2c", "Read more"))) is None


@pytest.mark.parametrize(("url", "label"), [
    ("https://app.example/email/unsubscribe?token=abc&confirm=1", "Confirm unsubscribe"),
    ("https://app.example/settings/preferences/verify", "Verify your preferences"),
    ("https://app.example/legal/privacy", "Confirm privacy settings"),
    ("https://twitter.com/app/status/1", "Sign in to follow us"),
    ("https://play.google.com/store/apps/details?id=app", "Sign in on Android"),
    ("https://t.example/open/pixel.gif?verify=1", ""),
    ("https://app.example/", "Sign in"),
    ("mailto:verify@app.example", "Verify by mail"),
    ("javascript:verify()", "Verify"),
    ("https://shop.example/orders/1040", "Confirm your order"),
    ("https://app.example/list/abmelden?code=1", "Abmelden"),
    ("https://shop.example/track?code=1Z999", "Track your parcel"),
    ("https://shop.example/view/1057", "Siparişinizi görüntüleyin"),
])
def test_footer_tracking_and_shop_links_are_never_the_verification_link(url, label):
    assert verification_link(links((url, label))) is None


def test_a_newsletter_has_no_verification_link():
    ranked = rank_links(links(("https://news.example/web/issue-12", "View in browser"),
                              ("https://news.example/p/42", "Read the story"), *FOOTER))
    assert not any(r.is_verification for r in ranked) and [r.link.number for r in ranked] == list(range(1, 7))


def test_a_plain_text_mail_is_judged_by_the_words_around_its_link():
    body = for_reader("Hello,\n\nOpen this link to confirm your address:\n\nhttps://app.example/e/7Hq2\n\n"
                      "Questions? https://app.example/contact\n", False)
    ranked = rank_links(body.links, body.text)
    assert ranked[0].is_verification and ranked[0].link.url == "https://app.example/e/7Hq2"
    assert ranked[0].why == "words: Open this link to confirm your address:"
    assert not ranked[1].is_verification


def test_a_plain_text_mail_in_german_with_a_zu_infinitive():
    body = for_reader("Hallo,\n\nklicken Sie auf den folgenden Link, um sich anzumelden:\n"
                      "https://app.example/m/9f2c1a\n\nNewsletter abbestellen: https://app.example/u/77", False)
    assert verification_link(body.links, body.text).url == "https://app.example/m/9f2c1a"


def test_an_html_mail_as_the_reader_converts_it():
    html = ("<a href='https://app.example/'><img alt='App' src='https://app.example/logo.png'></a>"
            "<p>Welcome! One step left.</p>"
            "<p><a href='https://click.app.example/ls/click?upn=Qm9va2'>Bestätigen</a></p>"
            "<p><a href='https://app.example/datenschutz'>Datenschutz</a> · "
            "<a href='https://app.example/abmelden?u=5'>Abmelden</a></p>"
            "<img src='https://t.app.example/open.gif?u=5' width='1' height='1'>")
    body = for_reader(html, True)
    ranked = rank_links(body.links, body.text)
    assert ranked[0].is_verification and ranked[0].link.label == "Bestätigen"
    assert sorted(r.link.number for r in ranked) == [1, 2, 3, 4]
    assert verification_link(body.links, body.text) == ranked[0].link


def test_only_the_best_link_is_marked():
    ranked = rank_links(links(("https://app.example/login", "Sign in"),
                              ("https://app.example/verify?token=5d1e", "Verify your e-mail")))
    assert [r.is_verification for r in ranked] == [True, False] and ranked[0].link.number == 2


def test_a_ranked_link_as_json_for_the_cli():
    [ranked] = rank_links(links(("https://app.example/verify?t=1", "Verify")))
    assert ranked.to_json() == {"number": 1, "url": "https://app.example/verify?t=1", "label": "Verify", "safe": True,
                                "verification": True, "why": "words: Verify"}


def test_no_links():
    assert rank_links([]) == [] and verification_link([], "text") is None


def test_a_link_that_says_what_it_is_is_not_overruled_by_its_sentence():
    from tmail_tui.render import render_body

    body = render_body('<h2>Faster search</h2><p>It scans a big log in under a second. '
                       '<a href="https://news.example/articles/search">Read the article</a></p>', True)
    assert not rank_links(body.links, body.text)[0].is_verification  # "log in" here is not a sign-in
    generic = render_body('<p>To sign in, <a href="https://site.example/s/9">click here</a>.</p>', True)
    assert rank_links(generic.links, generic.text)[0].is_verification  # "click here" takes its sentence's sense
