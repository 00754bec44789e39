"""Messages written in the Messages tab, changes of a distribution announced by themselves, and ordering
without the form: each piece on its own (the whole month is in test_messages_month.py)."""

from __future__ import annotations

from conftest import PARIS, at
from mailkit import Order, demo_catalogue, letterhead, make_book, sale
from plain import plain

from sync import config as config_module
from sync import demo, messages, sheet, snapshot
from sync.commands import Context, init
from sync.mail import announced, compose, kinds
from sync.mail.journal import Entry, Journal
from sync.mail.message import make_key
from sync.mail.richtext import to_html
from sync.stores import MemoryStore


def read(*rows):
    """The Messages tab holding these rows, read against the demo catalogue: (messages, problems)."""
    return messages.read(sheet.read_table([sheet.MESSAGES.header, *rows], sheet.MESSAGES), demo_catalogue(), PARIS)


# --- reading the tab ---------------------------------------------------------------------------------

def test_every_audience_is_read_case_and_accents_ignored():
    found, problems = read(
        ["01/12/2026 12:00", "Abonnés", "Dégustation", "Venez goûter"],
        ["01/12/2026 12:00", "PRODUCTEURS", "Réunion", "Ordre du jour"],
        ["01/12/2026 12:00", "tous", "Appel", "Nous cherchons"],
        ["01/12/2026 12:00", "vente 2026-12", "Sacs", "Apportez vos sacs"],
        ["01/12/2026 12:00", "Producteurs 2026-noel", "Étals", "Installation à 15 h"],
    )
    assert problems == []
    assert [(m.audience, m.sale) for m in found] == [
        ("abonnés", ""), ("producteurs", ""), ("tous", ""), ("vente", "2026-12"), ("producteurs vente", "2026-NOEL")]
    assert found[0].at == at("2026-12-01 12:00") and found[0].row == 2


def test_a_row_that_cannot_be_read_is_an_anomaly_naming_its_cell_and_the_others_go():
    found, problems = read(
        ["le 3 décembre", "abonnés", "Dégustation", "Texte"],
        ["01/12/2026 12:00", "les amis", "Objet", "Texte"],
        ["01/12/2026 12:00", "vente 2027-01", "Objet", "Texte"],
        ["01/12/2026 12:00", "abonnés", "", "Texte"],
        ["01/12/2026 12:00", "abonnés", "Objet", "   "],
        ["02/12/2026 12:00", "abonnés", "Bon", "Texte"],
    )
    assert [m.subject for m in found] == ["Bon"]
    where = [(p.tab, p.row, p.column, p.severity) for p in problems]
    assert where == [("Messages", 2, "Envoi", "erreur"), ("Messages", 3, "Destinataires", "erreur"),
                     ("Messages", 4, "Destinataires", "erreur"), ("Messages", 5, "Objet", "erreur"),
                     ("Messages", 6, "Texte", "erreur")]
    assert "2027-01" in problems[2].message and "n'existe pas" in problems[2].message
    assert problems[0].value == "le 3 décembre"


def test_a_message_is_its_time_and_subject_not_its_text():
    [first], _ = read(["01/12/2026 12:00", "abonnés", "Dégustation", "Texte"])
    [corrected], _ = read(["01/12/2026 12:00", "abonnés", " dégustation ", "Texte corrigé"])
    [later], _ = read(["01/12/2026 12:30", "abonnés", "Dégustation", "Texte"])
    assert first.ident == corrected.ident != later.ident
    assert ":" not in first.ident  # a journal key's fingerprint


def test_two_rows_with_the_same_time_and_subject_are_one_message():
    found, problems = read(["01/12/2026 12:00", "abonnés", "Dégustation", "Un"],
                           ["01/12/2026 12:00", "tous", "Dégustation", "Deux"])
    assert [m.text for m in found] == ["Un"]
    assert problems[0].severity == "avertissement" and problems[0].row == 3


def test_a_message_is_due_from_its_time_for_seven_days():
    [message], _ = read(["01/12/2026 12:00", "abonnés", "A", "B"])
    assert not message.due(at("2026-12-01 11:59"))
    assert message.due(at("2026-12-01 12:00")) and message.due(at("2026-12-08 11:59"))
    assert not message.due(at("2026-12-08 12:00")) and message.over(at("2026-12-08 12:00"))


# --- who it goes to --------------------------------------------------------------------------------

def test_audiences():
    catalogue = demo_catalogue()
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 1, "OEU1": 1}),
                     Order("jerome.pelletier@example.net", {"VIA2": (1, 0)}, first_name="Jérôme"))
    clients = sheet.read_table([sheet.CLIENTS.header,
                                ["anne@example.org", "Aubert", "Anne", "", "oui", "", ""],
                                ["bruno@example.org", "Blanc", "Bruno", "", "non", "", ""],
                                ["fournil.des.vignes@example.org", "Fournil", "", "", "", "", ""]], sheet.CLIENTS)

    def who(audience, code=""):
        message = messages.Message(2, at("2026-12-01 12:00"), audience, code, "Objet", "Texte")
        return [r.email for r in messages.audience(message, catalogue, book, clients)]

    assert who("abonnés") == ["anne@example.org", "fournil.des.vignes@example.org"]
    producers = who("producteurs")
    assert len(producers) == len(demo.PRODUCERS) and "fournil.des.vignes@example.org" in producers
    everyone = who("tous")
    assert len(everyone) == len(set(everyone)) == len(demo.PRODUCERS) + 1  # the baker once, as a producer
    assert who("vente", "2026-12") == ["martine.ducloux@example.org", "jerome.pelletier@example.net"]
    # producers with something granted: the veal box was cut to nothing, so not the meat farm
    assert who("producteurs vente", "2026-12") == ["fournil.des.vignes@example.org", "poules.varennes@example.net"]


# --- the email -------------------------------------------------------------------------------------

def test_text_becomes_paragraphs_with_links_and_nothing_else():
    html = str(to_html("Bonjour à tous,\n\nDégustation <b>samedi</b> : voir https://example.org/a?b=1&c=2.\n"
                       "Écrivez à morgane@example.org (ou www.civam.example.org).\n\n\n\nÀ bientôt"))
    assert html.count("<p ") == 3
    assert "&lt;b&gt;samedi&lt;/b&gt;" in html and "<b>" not in html
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in html and "c=2</a>." in html
    assert '<a href="mailto:morgane@example.org"' in html
    assert '<a href="https://www.civam.example.org"' in html and "org</a>)" in html
    assert "<br>" in html
    assert str(to_html('javascript:alert(1) "><script>')) .count("<script>") == 0


def test_a_message_in_the_group_layout_with_the_sale_it_names():
    message = messages.Message(2, at("2026-12-05 09:00"), "vente", "2026-12", "Dégustation à la distribution",
                               "Bonjour,\n\nDégustation : https://example.org/d.\nVenez nombreux.")
    reader = messages.Reader("martine.ducloux@example.org", "Martine", "Martine Ducloux", "vente")
    email = compose.group_message(letterhead(), message, reader, sale())
    assert email.kind == "message" and email.subject == "Dégustation à la distribution"
    assert email.key == make_key("message", "2026-12", "martine.ducloux@example.org", message.ident)
    assert '<a href="https://example.org/d"' in email.html and "max-width:600px" in email.html
    assert "Salle des fêtes" in email.html and "Distribution :" in plain(email.text)  # the sale's details
    assert "vous avez commandé pour" in email.text
    assert ("List-Unsubscribe", email.headers[0][1]) == email.headers[0]
    subscriber = compose.group_message(letterhead(), messages.Message(
        2, at("2026-12-05 09:00"), "abonnés", "", "Appel", "Texte"), messages.Reader("a@example.org", why="abonnés"))
    assert "inscrite à la liste des Paniers" in plain(subscriber.text) and "Distribution" not in subscriber.text


# --- changes of a distribution -------------------------------------------------------------------

def test_details_go_into_a_key_and_come_back():
    december = sale()
    text = announced.tag(december)
    assert ":" not in text and "." not in text
    details = announced.untag(text, PARIS)
    assert details == announced.Details.of(december)
    assert announced.untag("", PARIS) is None and announced.untag("abc-def-ghi", PARIS) is None


def entry(kind, recipient, fingerprint, when, code="2026-12"):
    return Entry(make_key(kind, code, recipient, fingerprint), at(when), code, kind, recipient)


def test_a_change_is_what_differs_from_what_was_told_last():
    old = sale()
    moved = sale(place="Grange des Trois Chênes")
    announcement = entry("orders_open", "a@example.org", announced.tag(old), "2026-11-30 08:00")
    journal = Journal([announcement], None, PARIS)
    assert announced.pending(old, journal, at("2026-12-02 10:00"), PARIS) is None
    change = announced.pending(moved, journal, at("2026-12-02 10:00"), PARIS)
    assert change.before.place == old["place"] and change.after.place == "Grange des Trois Chênes"
    assert change.number == 1 and change.what == ["lieu"] and change.since == at("2026-12-02 10:00")
    # once some of it went, the same change is still being announced (to those still waiting), from then on
    sent = entry("change", "a@example.org", change.fingerprint, "2026-12-02 10:00")
    journal = Journal([announcement, sent], None, PARIS)
    again = announced.pending(moved, journal, at("2026-12-02 11:00"), PARIS)
    assert again == change
    # back to the first place: a second change
    back = announced.pending(old, journal, at("2026-12-03 09:00"), PARIS)
    assert back.number == 2 and back.before.place == "Grange des Trois Chênes" and back.after.place == old["place"]
    # an announcement sent before the details were kept in keys: nothing to compare with
    assert announced.pending(moved, Journal([entry("orders_open", "a@example.org", "", "2026-11-30 08:00")], None,
                                            PARIS), at("2026-12-02 10:00"), PARIS) is None


def test_what_changed_in_words():
    base = announced.Details(at("2026-12-11 17:00"), at("2026-12-11 19:00"), "Salle")
    later = announced.Details(at("2026-12-11 18:00"), at("2026-12-11 20:00"), "Salle")
    other_day = announced.Details(at("2026-12-12 17:00"), at("2026-12-12 19:00"), "Grange")
    assert announced.Change(base, later, at("2026-12-01 00:00"), 1).what == ["horaire"]
    assert announced.Change(base, other_day, at("2026-12-01 00:00"), 1).what == ["date", "lieu"]
    assert compose._changed_words(["date", "lieu"]) == "changement de date et de lieu"
    assert compose._changed_words(["horaire"]) == "changement d'horaire"


def test_the_change_email_says_what_was_and_what_is_with_the_calendar_update():
    december = sale(place="Grange des Trois Chênes", distribution=at("2026-12-11 18:00"))
    before = announced.Details(at("2026-12-11 17:00"), at("2026-12-11 19:00"), "Salle des fêtes")
    change = announced.Change(before, announced.Details.of(december), at("2026-12-05 10:00"), 2)
    reader = messages.Reader("martine.ducloux@example.org", "Martine", "", "vente")
    email = compose.change_email(letterhead(), december, change, reader, True, at("2026-12-05 10:00"))
    assert plain(email.subject) == "Vente de décembre : changement d'horaire et de lieu de la distribution"
    text = plain(email.text)
    assert text.index("DÉSORMAIS") < text.index("Grange des Trois Chênes") < text.index("AVANT") \
        < text.index("Salle des fêtes")
    assert "de 18 h à 19 h" in text and "de 17 h à 19 h" in text and "Votre commande ne change pas" in text
    [ics] = email.attachments
    body = ics.content.decode()
    assert "METHOD:REQUEST" in body and "SEQUENCE:2" in body and "LOCATION:Grange des Trois Chênes" in body
    assert "ATTENDEE" in body and "martine.ducloux@example.org" in body and "method=REQUEST" in ics.mime
    reminder = compose.calendar_attachment(letterhead(), december, at("2026-12-05 10:00")).content.decode()
    uid = next(line for line in body.split("\r\n") if line.startswith("UID:"))
    assert uid in reminder and "METHOD:PUBLISH" in reminder and "SEQUENCE" not in reminder
    still_open = compose.change_email(letterhead(), december, change,
                                      messages.Reader("b@example.org", why="abonnés"), False, at("2026-12-05 10:00"))
    assert still_open.attachments == () and "Les commandes restent ouvertes jusqu'au" in still_open.text
    assert email.key.startswith("change:2026-12:martine.ducloux@example.org:") and email.key.endswith(".2")


# --- ordering without Google ---------------------------------------------------------------------

def test_without_a_form_the_announcement_and_the_reminder_say_how_to_order():
    config = config_module.from_dict({"group": {"phone": "02 54 00 00 00"}})
    lh = letterhead(config)
    no_form = sale(form_url="")
    recipient = compose.Recipient("chloe.besson@example.org", "Chloé")
    for email in (compose.orders_open(lh, demo_catalogue(), no_form, recipient),
                  compose.closing_reminder(lh, demo_catalogue(), no_form, recipient)):
        assert "répondez simplement à ce message" in email.text
        assert "02 54 00 00 00" in email.text and 'href="tel:0254000000"' in email.html
    without_phone = compose.closing_reminder(letterhead(), demo_catalogue(), no_form, recipient)
    assert "répondez simplement à ce message" in without_phone.text and "téléphonez" not in without_phone.text
    with_form = compose.closing_reminder(lh, demo_catalogue(), sale(form_url="https://forms.gle/x"), recipient)
    assert "https://forms.gle/x" in with_form.text and "répondez simplement" not in with_form.text


# --- the tab is made by init, and a missing one means no messages --------------------------------

def test_init_creates_the_messages_tab_and_a_workbook_without_it_has_no_messages(tmp_path):
    config = config_module.from_dict({}, base_dir=tmp_path)
    store = MemoryStore({})
    init.run(Context(config, store, at("2026-12-01 08:00"), lambda _: None))
    assert store.tabs["Messages"] == [["Envoi", "Destinataires", "Objet", "Texte"]]
    grids = demo.build()
    grids.pop(sheet.MESSAGES.name, None)
    snap = snapshot.read(MemoryStore(grids), config)
    assert snap.table(sheet.MESSAGES).frame.empty and not [p for p in snap.problems if p.tab == "Messages"]


def test_the_message_kinds_are_known():
    assert kinds.label("message") == "Message" and kinds.label("change") == "Changement de distribution"


def test_the_demo_sends_its_message_and_says_so(tmp_path, capsys):
    import jobs

    assert jobs.main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "onglet Messages" in out and "Message (" in out
    sent = list((tmp_path / "demo" / "outbox").glob("2026-12_message_*.eml"))
    assert len(sent) >= 10  # the households of the sale on 09/12, then those who ordered later
