"""The « Modifier ma commande » link in confirmation and "modified" emails: the sale's published form
pre-filled with the household's order, shown only when it is exact, never part of the email's key."""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import at
from fakes.forms_api import FormsApiFake

from sync import config as config_module
from sync import cycle, sheet, snapshot
from sync.commands import Context, publish_form
from sync.mail import compose, kinds
from sync.mail.journal import Entry, Journal, OrderNotice
from sync.questions import product_code
from sync.refresh import refresh

FORM_ID = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
OPEN = at("2026-12-09 10:00")  # every December order is in, the orders are still open


def publish(tmp_path, store, fake, verified: bool) -> None:
    """``paniers publish-form`` for December, with (or without) the pre-filled link that proves the entry ids."""
    link = None
    if verified:
        if not any(item.get("title") == "Nom" for item in fake.forms[FORM_ID].items):
            # the coordinator copies the pre-filled link from the form once published
            publish(tmp_path, store, fake, verified=False)
        form = fake.forms[FORM_ID].view()
        entries = [f"entry.{int(item['questionItem']['question']['questionId'], 16)}=Test"
                   for item in form["items"] if item.get("title") in ("Nom", "Prénom")]
        link = form["responderUri"] + "?usp=pp_url&" + "&".join(entries)
    forms = {"form_id": FORM_ID, **({"prefilled_link": link} if link else {})}
    config = config_module.from_dict({"forms": forms}, base_dir=tmp_path)
    out: list[str] = []
    code = publish_form.run(Context(config, store, at("2026-11-20 10:00"), out.append), sale="2026-12",
                            session=fake.session(), sleep=lambda s: None)
    assert code == 0, "\n".join(out)


@pytest.fixture
def fake() -> FormsApiFake:
    forms = FormsApiFake()
    forms.add_form(FORM_ID)
    return forms


def order_emails(store, config, now=OPEN, journal=None):
    result = refresh(snapshot.read(store, config), config, now)
    plan = cycle.plan(result, journal or Journal([], None, config.tz), compose.Letterhead.from_config(config),
                      "2026-12", attach=False)
    emails = [e for e in plan.emails if e.kind in kinds.ORDER_KINDS]
    return result, emails


def test_confirmations_carry_the_prefilled_link_and_keep_their_key(tmp_path, demo_store, config, fake):
    _, before = order_emails(demo_store, config)  # no form published: no link
    assert before and not any("Modifier ma commande" in e.html or "remplace toute votre commande" in e.text
                              for e in before)

    publish(tmp_path, demo_store, fake, verified=False)  # published, entry ids not proven: still no link
    _, unproven = order_emails(demo_store, config)
    assert [e.key for e in unproven] == [e.key for e in before]
    assert not any("Modifier ma commande" in e.html for e in unproven)

    publish(tmp_path, demo_store, fake, verified=True)
    result, after = order_emails(demo_store, config)
    assert [e.key for e in after] == [e.key for e in before]  # publishing the form never sends them again
    links = cycle.edit_links(result, result.catalogue.sale("2026-12"))
    with_link = [e for e in after if e.recipient in links]
    assert len(with_link) == len(after) == 14  # every demo order can be pre-filled exactly
    titles = {str(int(item["questionItem"]["question"]["questionId"], 16)): item["title"]
              for item in fake.forms[FORM_ID].items if "questionItem" in item}
    for email in with_link:
        url = links[email.recipient]
        assert f'href="{html.escape(url)}"' in email.html and ">Modifier ma commande</a>" in email.html
        assert url in email.text.splitlines()  # on a line of its own: a mail program makes it clickable
        assert "il remplace toute votre commande" in email.text
        assert "il remplace <strong>toute</strong> votre commande" in email.html
        # the link opens the form with this household's current order, nothing else
        answers = {titles[k[len("entry."):]]: v for k, v in parse_qsl(urlsplit(url).query) if k.startswith("entry.")}
        lines = result.book.lines[(result.book.lines["sale"] == "2026-12")
                                  & (result.book.lines["email"] == email.recipient)]
        wanted = {line.product: str(line.requested) for line in lines.itertuples() if line.requested > 0}
        fields = ("Nom", "Prénom", "Téléphone", "Commentaire")
        assert {product_code(t): v for t, v in answers.items() if t not in fields} == wanted
        household = result.book.households[(result.book.households["sale"] == "2026-12")
                                           & (result.book.households["email"] == email.recipient)].iloc[0]
        assert answers["Nom"] == household["last_name"] and answers["Prénom"] == household["first_name"]

    # the menu of the veal box now stops at 0 (say the producer has none left): those who asked for one
    # cannot get an exact link, so they get none; the others keep theirs
    tab = demo_store.tabs[sheet.FORM.name]
    [veal] = [row for row in tab[1:] if row[3] == "VIA2"]
    veal[tab[0].index("Choix max")] = 0
    result, fewer = order_emails(demo_store, config)
    assert [e.key for e in fewer] == [e.key for e in before]
    lines = result.book.lines[result.book.lines["sale"] == "2026-12"]
    veal_buyers = set(lines.loc[(lines["product"] == "VIA2") & (lines["requested"].map(int) > 0), "email"])
    assert len(veal_buyers) >= 4
    for email in fewer:
        shown = "Modifier ma commande" in email.html
        assert shown == (email.recipient not in veal_buyers)
        assert ("remplace toute votre commande" in email.text) == shown


def test_a_modified_email_carries_it_too_and_none_after_closing(tmp_path, demo_store, config, fake):
    publish(tmp_path, demo_store, fake, verified=True)
    result, confirmations = order_emails(demo_store, config)
    links = cycle.edit_links(result, result.catalogue.sale("2026-12"))
    target = next(e for e in confirmations if e.recipient in links)
    # this household was told of another order before: its current one is a modification
    told = Journal([Entry(f"confirmation:2026-12:{target.recipient}:00000000.0000", at("2026-12-01 09:00"),
                          "2026-12", "confirmation", target.recipient)], None, config.tz)
    _, emails = order_emails(demo_store, config, journal=told)
    [modified] = [e for e in emails if e.recipient == target.recipient]
    assert modified.kind == "modified"
    assert ">Modifier ma commande</a>" in modified.html and links[target.recipient] in modified.text

    closed = refresh(snapshot.read(demo_store, config), config, at("2026-12-10 20:00"))
    assert cycle.edit_links(closed, closed.catalogue.sale("2026-12")) == {}  # the form no longer takes orders
    _, late = order_emails(demo_store, config, now=at("2026-12-10 20:00"), journal=told)
    [late_modified] = [e for e in late if e.recipient == target.recipient]
    assert late_modified.key == modified.key and "Modifier ma commande" not in late_modified.html


def test_other_order_emails_never_carry_it():
    from mailkit import Order, demo_catalogue, letterhead, make_book, sale

    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2, "CHV3": (2, 1)}))
    notice_cut = OrderNotice(kinds.CUT.name, "2026-12", "martine.ducloux@example.org", "x")
    email = compose.order_email(letterhead(), demo_catalogue(), sale(), book, notice_cut, "https://example.org/f")
    assert "example.org/f" not in email.html and "example.org/f" not in email.text
    notice = OrderNotice(kinds.CONFIRMATION.name, "2026-12", "martine.ducloux@example.org", "x")
    shown = compose.order_email(letterhead(), demo_catalogue(), sale(), book, notice, "https://example.org/f?a=1&b=2")
    assert 'href="https://example.org/f?a=1&amp;b=2"' in shown.html
    assert shown.key == compose.order_email(letterhead(), demo_catalogue(), sale(), book, notice).key
