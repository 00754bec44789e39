"""Issue 18: an email's label says what the email says (« Commande complète », not « Quantité réduite »)
wherever it shows (the run's report, the Journal's « Type » column, status, the outbox and preview indexes), and
the run's report names who each email went to, or why it did not go."""

from __future__ import annotations

import json
from datetime import timedelta

from mailkit import PARIS, Order, at, demo_catalogue, letterhead, make_book, sale
from plain import plain

from sync import sheet
from sync.mail import compose, kinds, outbox
from sync.mail.announced import Change, Details
from sync.mail.journal import Entry, Journal, WriteAheadLog, order_notices
from sync.mail.mailer import DEFERRED, REFUSED, SENT, Outcome
from sync.mail.memory import MemoryMailer
from sync.mail.message import Draft, build, split_key
from sync.mail.outbox import OutboxMailer
from sync.mail.preview import write_preview
from sync.mail.send import Delivery, Limits, deliver

NOW = at("2026-12-05 10:00")
MARTINE = "martine.ducloux@example.org"
JEROME = "jerome.pelletier@example.net"
ORDERED = Order(MARTINE, {"PAIN1": 2, "VIA2": 1})
SHORT = Order(MARTINE, {"PAIN1": 2, "VIA2": (1, 0)})  # the veal ran out
BACK = Order(MARTINE, {"PAIN1": 2, "VIA2": 1})  # the stock came back: everything granted again


def updates(order: Order, journal: Journal):
    return compose.order_updates(letterhead(), demo_catalogue(), sale(), make_book(order), journal)


def sent_through(journal: Journal, *orders: Order, mailer=None, now=NOW) -> list:
    """Each order book in turn, its due order emails delivered; the emails sent, in order."""
    mailer = mailer or MemoryMailer()
    sent = []
    for order in orders:
        sent += deliver(updates(order, journal), mailer, journal, Limits(), now).sent
    return sent


# --- the label is the email's --------------------------------------------------------------------

def test_a_cut_email_saying_the_order_is_complete_is_labelled_so():
    journal = Journal([], None, PARIS)
    confirmation, short, back = sent_through(journal, ORDERED, SHORT, BACK)
    assert (short.kind, back.kind) == ("cut", "cut")  # one kind, two different emails
    assert "Un produit de votre commande est en quantité réduite" in short.subject
    assert plain(back.subject).startswith("Bonne nouvelle : votre commande est complète")
    assert kinds.label_of(short) == "Quantité réduite (stock)"
    assert kinds.label_of(back) == "Commande complète (stock revenu)"
    assert kinds.label_of(confirmation) == "Confirmation de commande"
    assert build(back, NOW)["X-Paniers-Variant"] == "complete" and "X-Paniers-Variant" not in build(short, NOW)


def test_the_variant_is_never_part_of_the_key():
    """An email already sent is never sent again because its label changed: the key is the one of before."""
    journal = Journal([], None, PARIS)
    *_, back = sent_through(journal, ORDERED, SHORT, BACK)
    kind, code, recipient, fingerprint = split_key(back.key)
    assert (kind, code, recipient) == ("cut", "2026-12", MARTINE) and "complete" not in back.key
    assert back.key == f"cut:2026-12:{MARTINE}:{fingerprint}" and "complete" not in back.message_id


def test_a_draft_knows_its_label_without_being_written():
    journal = Journal([], None, PARIS)
    sent_through(journal, ORDERED, SHORT)
    [notice] = order_notices(make_book(BACK), "2026-12", journal)
    assert notice.variant == "complete"
    [draft] = compose.order_drafts(letterhead(), demo_catalogue(), sale(), make_book(BACK), journal)
    assert isinstance(draft, Draft) and "_written" not in draft.__dict__
    assert kinds.label_of(draft) == "Commande complète (stock revenu)"
    assert "_written" not in draft.__dict__  # asking for the label wrote nothing
    assert draft.ready().variant == draft.variant


def test_a_change_email_is_labelled_with_what_changed():
    before = Details(at("2026-12-11 17:00"), at("2026-12-11 19:00"), "Salle des fêtes")
    after = Details(at("2026-12-12 10:00"), at("2026-12-12 12:00"), "Place du marché")
    change = Change(before, after, NOW, 1)
    assert compose.change_variant(change) == "date+lieu"
    assert kinds.label("change", "date+lieu") == "Changement de distribution (date, lieu)"
    assert kinds.variant_from_label("change", "Changement de distribution (date, lieu)") == "date+lieu"
    assert kinds.label("change") == "Changement de distribution"  # a row written before variants


def test_every_kind_reads_its_own_labels_back():
    for kind in kinds.KINDS.values():
        assert kinds.variant_from_label(kind.name, kind.label) == ""
        for variant, label in kind.variants:
            assert kinds.label(kind.name, variant) == label
            assert kinds.variant_from_label(kind.name, label) == variant
    assert kinds.label("unknown_kind", "x") == "unknown_kind"


# --- the Journal ---------------------------------------------------------------------------------

def test_the_journal_type_column_says_what_was_sent_and_old_rows_keep_theirs():
    journal = Journal([], None, PARIS)
    *_, short, back = sent_through(journal, ORDERED, SHORT, BACK)
    rows = journal.rows([Entry.of(short, NOW), Entry.of(back, NOW),
                         Entry.of(back, NOW, refused="550 5.1.1 inconnu")])
    kind_column = sheet.JOURNAL.header.index("Type")
    assert [row[kind_column] for row in rows] == [
        "Quantité réduite (stock)", "Commande complète (stock revenu)",
        "Commande complète (stock revenu) — refusé : 550 5.1.1 inconnu"]
    # read back: the label as written; a row of before (the plain kind's label) keeps its label
    old = list(rows[1])
    old[kind_column] = "Quantité réduite (stock)"
    again = Journal.load([sheet.JOURNAL.header, rows[0], rows[1], old, rows[2]], None, PARIS)
    assert [e.label for e in again.entries] == [
        "Quantité réduite (stock)", "Commande complète (stock revenu)", "Quantité réduite (stock)",
        "Commande complète (stock revenu)"]
    assert again.entries[3].refused == "550 5.1.1 inconnu"
    assert back.key in again and again.entry(back.key).date == NOW


def test_the_write_ahead_file_keeps_the_variant_and_reads_lines_written_before(tmp_path):
    wal = WriteAheadLog(tmp_path / "wal.jsonl")
    journal = Journal([], wal, PARIS)
    *_, back = sent_through(journal, ORDERED, SHORT, BACK)
    [entry] = [e for e in wal.read() if e.key == back.key]
    assert entry.label == "Commande complète (stock revenu)"
    old = json.loads(entry.to_json())
    del old["variant"]  # a line written by a version without variants
    (tmp_path / "old.jsonl").write_text(json.dumps(old) + "\n", encoding="utf-8")
    [read] = WriteAheadLog(tmp_path / "old.jsonl").read()
    assert read.key == back.key and read.label == "Quantité réduite (stock)"


# --- the run's report ----------------------------------------------------------------------------

class Deferring(MemoryMailer):
    """A server that defers some recipients (4xx) and accepts the others."""

    def __init__(self, defer: dict[str, str]):
        super().__init__()
        self.defer = defer

    def send(self, items):
        for email, message in items:
            if email.recipient in self.defer:
                yield Outcome(email, DEFERRED, self.defer[email.recipient])
                continue
            if email.recipient in self.refuse:
                yield Outcome(email, REFUSED, "550 5.1.1 adresse inconnue (simulée)")
                continue
            self.sent.append((email, message))
            yield Outcome(email, SENT)


def household(i: int) -> Order:
    return Order(f"foyer{i:02d}@example.net", {"PAIN1": 1}, first_name=f"Prénom{i}", last_name="Test")


def test_the_report_names_who_each_email_went_to_or_why_not():
    journal = Journal([], None, PARIS)
    sent_through(journal, ORDERED, SHORT, now=at("2026-12-04 20:05"))
    back = updates(BACK, journal)
    others = compose.order_updates(letterhead(), demo_catalogue(), sale(),
                                   make_book(*(household(i) for i in range(4))), Journal([], None, PARIS))
    announcements = [compose.orders_open(letterhead(), demo_catalogue(), sale(),
                                         compose.Recipient(f"abonne{i}@example.org", "Abonné")) for i in range(2)]
    already = updates(ORDERED, Journal([], None, PARIS))  # the confirmation Martine had: journaled
    pseudo = compose.orders_open(letterhead(), demo_catalogue(), sale(), compose.Recipient("tél. 0610000003"))
    mailer = Deferring({"foyer01@example.net": "451 4.7.1 Greylisted"})
    mailer.refuse = {"foyer02@example.net"}
    result = deliver([*back, *others, *announcements, *already, pseudo], mailer, journal,
                     Limits(max_per_run=5), NOW)
    lines = [plain(line) for line in result.report()]
    text = "\n".join(lines)
    assert lines[0] == ("3 e-mails envoyés, 1 déjà envoyé, 2 reportés au prochain passage "
                        "(limite de 5 par passage), 1 reporté par le serveur, 1 refusé par le serveur, 1 non envoyé.")
    assert "  Envoyés : 3" in lines
    assert "    - 2026-12 · Commande complète (stock revenu) → Martine Ducloux <martine.ducloux@example.org>" in lines
    assert "    - 2026-12 · Confirmation de commande → Prénom0 Test <foyer00@example.net>" in lines
    assert "  Déjà envoyés (rien de nouveau à leur dire) : 1" in lines
    assert ("    - 2026-12 · Confirmation de commande → martine.ducloux@example.org, le vendredi 4 décembre 2026 "
            "à 20 h 05") in lines
    assert ("    - 2026-12 · Confirmation de commande → Prénom1 Test <foyer01@example.net> : reporté par le serveur "
            "(451 4.7.1 Greylisted)") in lines
    assert "  Reportés au prochain passage (limite de 5 par passage) : 2" in lines
    assert "    - 2026-12 · Ouverture des commandes → abonne0@example.org" in lines
    assert ("    - 2026-12 · Confirmation de commande → Prénom2 Test <foyer02@example.net> : refusé "
            "(550 5.1.1 adresse inconnue (simulée))") in lines
    assert "  Non envoyés : 1" in lines
    assert any(line.startswith("    - 2026-12 · Ouverture des commandes → tél. 0610000003 : pas d'adresse e-mail")
               for line in lines)
    assert "Quantité réduite" not in text  # nothing of this run said so
    # each email is named once, in the group of what became of it
    for address in ("foyer00", "foyer01", "foyer02", "foyer03", "abonne0", "abonne1", "tél. 0610000003"):
        assert sum(address in line for line in lines) == 1, address


def test_the_outbox_report_says_written_and_long_groups_are_counted(tmp_path):
    emails = [compose.orders_open(letterhead(), demo_catalogue(), sale(),
                                  compose.Recipient(f"abonne{i:03d}@example.org", "Abonné")) for i in range(30)]
    result = deliver(emails, OutboxMailer(tmp_path), Journal([], None, PARIS), Limits(max_per_run=4), NOW)
    lines = [plain(line) for line in result.report(outbox=True)]
    assert lines[0] == "4 e-mails écrits, 26 reportés au prochain passage (limite de 4 par passage)."
    assert "  Écrits dans la boîte d'envoi : 4" in lines
    assert "    - 2026-12 · Ouverture des commandes → abonne000@example.org" in lines
    postponed = lines[lines.index("  Reportés au prochain passage (limite de 4 par passage) : 26") + 1:]
    assert len(postponed) == 11 and postponed[-1] == "    … et 16 autres (Ouverture des commandes : 16)."
    assert len(lines) < 20  # thirty emails, a short report


def test_a_run_stopped_by_another_says_why_the_emails_wait(tmp_path):
    wal = WriteAheadLog(tmp_path / "wal.jsonl")
    with wal.lock():
        result = deliver(updates(ORDERED, Journal([], None, PARIS)), MemoryMailer(), Journal([], wal, PARIS),
                         Limits(), NOW)
    text = plain("\n".join(result.report()))
    assert "Reportés au prochain passage (envoi interrompu : un autre passage est déjà en train d'envoyer" in text
    assert "Confirmation de commande → martine.ducloux@example.org" in text


def test_a_message_is_named_by_its_subject():
    class Reader:
        email, first_name, name, why = "abonne@example.org", "Anne", "Anne Abonnée", "abonnés"

    class Message:
        subject, text, sale, ident = "Fermeture exceptionnelle", "Pas de vente en août.", "", "m1"

    email = compose.group_message(letterhead(), Message(), Reader())
    lines = [plain(line) for line in Delivery(sent=[email]).report()]
    assert "    - Message « Fermeture exceptionnelle » → Anne Abonnée <abonne@example.org>" in lines


# --- the outbox and preview indexes --------------------------------------------------------------

def test_the_outbox_index_is_in_french_newest_first_with_labels_and_names(tmp_path):
    folder = tmp_path / "outbox"
    journal = Journal([], None, PARIS)
    mailer = OutboxMailer(folder)
    sent_through(journal, ORDERED, mailer=mailer, now=at("2027-01-11 20:05"))
    sent_through(journal, SHORT, mailer=mailer, now=at("2027-01-09 08:00"))  # written earlier (a clock put back)
    sent_through(journal, BACK, mailer=mailer, now=at("2027-01-12 09:30"))
    index = plain((folder / "index.html").read_text(encoding="utf-8"))
    assert "Mon, 11 Jan" not in index and "+0100" not in index
    rows = index.split("<tbody>")[1].split("</tbody>")[0].strip().splitlines()
    assert [row.split("</td>")[0].removeprefix("<tr><td>") for row in rows] == [
        "mardi 12 janvier 2027 à 9 h 30", "lundi 11 janvier 2027 à 20 h 05", "samedi 9 janvier 2027 à 8 h"]
    assert "<td>Commande complète (stock revenu)</td>" in rows[0]
    assert "<td>Confirmation de commande</td>" in rows[1]
    assert "<td>Quantité réduite (stock)</td>" in rows[2]
    assert "<td>Martine Ducloux &lt;martine.ducloux@example.org&gt;</td>" in rows[0]
    assert "3 messages, du plus récent au plus ancien" in index
    # rebuilt from the files alone (the cache lost): the same page, read back from the .eml headers
    written = (folder / "index.html").read_text(encoding="utf-8")
    (folder / outbox.INDEX_CACHE).unlink()
    outbox.write_index(folder)
    assert (folder / "index.html").read_text(encoding="utf-8") == written


def test_an_outbox_cache_of_before_is_read_again(tmp_path):
    """A cache written before the variants (six columns) is not trusted: each file's headers are read once more."""
    folder = tmp_path / "outbox"
    journal = Journal([], None, PARIS)
    sent_through(journal, ORDERED, SHORT, BACK, mailer=OutboxMailer(folder))
    cache = json.loads((folder / outbox.INDEX_CACHE).read_text(encoding="utf-8"))
    old = {name: entry[:6] for name, entry in cache.items()}
    for name, entry in old.items():
        entry[3] = "cut" if "_cut_" in name else entry[3]
    (folder / outbox.INDEX_CACHE).write_text(json.dumps(old), encoding="utf-8")
    outbox.write_index(folder)
    assert "Commande complète (stock revenu)" in (folder / "index.html").read_text(encoding="utf-8")


def test_the_preview_index_is_in_french_in_sending_order_with_labels_and_names(tmp_path):
    journal = Journal([], None, PARIS)
    sent_through(journal, ORDERED, SHORT)
    back = updates(BACK, journal)
    announcement = compose.orders_open(letterhead(), demo_catalogue(), sale(),
                                       compose.Recipient(JEROME, "Jérôme", "Jérôme Pelletier"))
    index = write_preview([announcement, *back], tmp_path / "apercu", at("2027-01-11 20:05"), journal)
    page = plain(index.read_text(encoding="utf-8"))
    assert "2 e-mails partiraient maintenant, le lundi 11 janvier 2027 à 20 h 05" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].strip().splitlines()
    assert "Commande complète (stock revenu)" in rows[0] and rows[0].startswith("<tr><td>1</td>")  # urgent first
    assert "Martine Ducloux &lt;martine.ducloux@example.org&gt;" in rows[0]
    assert "Ouverture des commandes" in rows[1] and "Jérôme Pelletier &lt;jerome.pelletier@example.net&gt;" in rows[1]
    assert (tmp_path / "apercu" / "001_2026-12_cut_martine.ducloux@example.org.html").is_file()


def test_deferral_problem_names_the_label(tmp_path):
    journal = Journal([], None, PARIS)
    sent_through(journal, ORDERED, SHORT)
    [back] = updates(BACK, journal)
    mailer = Deferring({MARTINE: "452 4.2.2 Mailbox full"})
    deliver([back], mailer, journal, Limits(), NOW)
    later = deliver([back], mailer, journal, Limits(), NOW + timedelta(days=2))
    [problem] = later.problems
    assert "(Commande complète (stock revenu))" in problem.message


# --- tick and status, on the demo group ------------------------------------------------------------

def set_stock(store, product: str, stock: str) -> None:
    from sync.stores import Changes

    grid = [list(row) for row in store.tabs[sheet.PRODUCTS.name]]
    column = grid[0].index("Stock")
    for row in grid[1:]:
        if row[0] == product:
            row[column] = stock
    store.write(Changes(replace={sheet.PRODUCTS.name: grid}))


def test_tick_status_and_the_journal_name_the_complete_order_as_such(tmp_path):
    from sync import config as config_module
    from sync import demo
    from sync.commands import Context, status, tick
    from sync.stores import MemoryStore

    config = config_module.from_dict({}, base_dir=tmp_path)
    store = MemoryStore(demo.build())

    def run(moment: str) -> str:
        out: list[str] = []
        outcome = tick.once(Context(config, store, at(moment), out.append))
        assert outcome.code == 0, "\n".join(out)
        return plain("\n".join(out))

    run("2026-12-05 10:00")
    set_stock(store, "VIA2", "1")  # the veal ran short: some orders are cut
    cut = run("2026-12-05 10:15")
    assert "Quantité réduite (stock) → " in cut and "Commande complète" not in cut
    set_stock(store, "VIA2", "4")  # the producer found more: the orders are complete again
    back = run("2026-12-05 10:30")
    sent = [line for line in back.splitlines() if "Commande complète (stock revenu) → " in line]
    assert sent and "Quantité réduite" not in back
    assert all(line.startswith("    - 2026-12 · ") and "<" in line and "@" in line for line in sent)  # name <address>
    assert "e-mails écrits" in back or "e-mail écrit" in back  # the outbox: nothing left the machine
    journal = store.tabs[sheet.JOURNAL.name]
    column = journal[0].index("Type")
    assert sum(row[column] == "Commande complète (stock revenu)" for row in journal[1:]) == len(sent)
    assert all(str(row[journal[0].index("Clé")]).startswith("cut:") for row in journal[1:]
               if row[column] == "Commande complète (stock revenu)")
    out: list[str] = []
    status.run(Context(config, store, at("2026-12-05 10:45"), out.append))
    assert f"Commande complète (stock revenu) ({len(sent)})" in plain("\n".join(out))
    index = plain((tmp_path / "outbox" / "index.html").read_text(encoding="utf-8"))
    assert "Commande complète (stock revenu)" in index and "samedi 5 décembre 2026 à 10 h 30" in index
