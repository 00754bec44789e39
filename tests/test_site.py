"""The group's public site (``paniers site``, ``sync/site``): what each page says, what it never says, the same
bytes for the same input, and ``tick`` rebuilding it only when what it shows changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from plain import into, plain
from site_builders import FORM, at, build_demo_site, demo_grids, site_config

import jobs
from sync import demo, sheet
from sync.commands import Context
from sync.commands import tick as tick_command
from sync.site import build as site_build
from sync.site import render as render_module
from sync.stores.memory import MemoryStore

PAGES = ("index.html", "catalogue.html", "producteurs.html", "calendrier.html", "rejoindre.html")


def read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The words a visitor reads (tags dropped, spaces merged)."""
    words = re.sub(r"<[^>]+>", "", html).replace("&nbsp;", "\u00a0").replace("&#39;", "'")
    return plain(re.sub(r"[ \t\r\n]+", " ", words).strip())  # what it says; its French spacing aside


def every_file(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in (".html", ".ics", ".css")}


@pytest.mark.parametrize("moment", ["2026-11-20 10:00", "2026-12-02 10:00", "2026-12-11 09:00", "2026-12-12 10:00",
                                    "2027-01-10 10:00"])
def test_the_demo_site_shows_nothing_of_any_household(tmp_path, moment):
    built = build_demo_site(tmp_path, at(moment), photos=True)
    text = "\n".join(every_file(built.folder).values()).lower()
    for first, last, email, phone in demo.HOUSEHOLDS:
        for said in (f"{first} {last}", f"{last} {first}", email, email.split("@")[0], phone,
                     phone.replace(" ", "")):
            assert said.lower() not in text, said
    for _code, _name, email, phone, _payments, payee in demo.PRODUCERS:  # a producer's contact is not public
        assert email not in text and phone not in text and phone.replace(" ", "") not in text
        if payee and payee != _name:  # the cheque payee (a person's name, sometimes) is for the emails only
            assert payee.lower() not in text, payee
    assert "je passerai vers" not in text  # the households' comments
    assert "stock" not in text and "épuisé" not in text
    assert not re.search(r"\d+\s*(commandes?|vendus?|restants?|disponibles?|foyers?)\b", text)


def test_no_stock_figure_only_quantite_limitee(tmp_path):
    built = build_demo_site(tmp_path)
    page = text_of(read(built.folder, "catalogue.html"))
    assert page.count("Quantité limitée") == sum(
        1 for p in demo.PRODUCTS if p[7] and not p[9] and p[0] not in demo.INACTIVE)
    veal = page[page.index("Colis de veau"):page.index("Saucisses de porc")]
    assert "4" not in veal.replace("17,00", "").replace("85,00", "")  # its stock is 4: never shown


def test_the_home_page_while_orders_are_open(tmp_path):
    built = build_demo_site(tmp_path, at("2026-12-02 10:00"))
    html = read(built.folder, "index.html")
    page = text_of(html)
    assert '<html lang="fr">' in html and html.count("<h1>") == 1
    assert "Les commandes sont ouvertes" in page
    assert "jusqu'au jeudi 10 décembre 2026 à 20 h" in page
    assert f'href="{FORM}"' in html
    assert "vendredi 11 décembre 2026, de 17 h à 19 h" in page
    assert "Salle des fêtes, 2 rue des Tilleuls, 36600 Valençay" in page
    assert "https://www.openstreetmap.org/search?query=Salle+des+f%C3%AAtes%2C+2+rue+des+Tilleuls" in html
    assert "Des fermes du Boischaut Nord." in page and "Une distribution par mois." in page  # two paragraphs
    assert page.count("Vous choisissez produit par produit") == 1
    assert "Vous payez chaque producteur sur place" in page and "commission" in page
    assert "<script" not in html


def test_the_home_page_between_two_sales_says_when_the_next_one_opens(tmp_path):
    page = text_of(read(build_demo_site(tmp_path, at("2026-11-20 10:00")).folder, "index.html"))
    assert "Prochaines commandes" in page
    assert "les commandes ouvriront le lundi 30 novembre 2026 à 8 h" in page
    assert "Commander" not in page.replace("Prochaines commandes", "")


def test_the_home_page_after_the_last_sale(tmp_path):
    built = build_demo_site(tmp_path, at("2027-01-10 10:00"))
    page = text_of(read(built.folder, "index.html"))
    assert "seront bientôt annoncées" in page and "Prochaine distribution" not in page
    assert "Aucune vente n'est prévue" in text_of(read(built.folder, "catalogue.html"))


def test_closed_orders_and_the_distribution_to_come_are_both_on_the_home_page(tmp_path):
    page = text_of(read(build_demo_site(tmp_path, at("2026-12-11 09:00")).folder, "index.html"))
    assert "Vente spéciale de Noël" in page and "Les commandes sont ouvertes" in page  # Noël opened at 8:00
    assert "Prochaine distribution" in page and "vendredi 11 décembre 2026" in page  # December's, today


def test_the_catalogue_lists_the_sale_by_producer_with_prices_and_estimates(tmp_path):
    built = build_demo_site(tmp_path, at("2026-12-02 10:00"))
    html = read(built.folder, "catalogue.html")
    page = text_of(html)
    assert html.index('id="titre-four"') < html.index("Pain de campagne") < html.index('id="titre-jard"')
    assert '<h3>Pain de campagne</h3>\n<p class="packaging">1\u00a0kg</p><p class="price">4,50\u00a0€</p>' in html
    assert "16,50 € le kg" in page and "environ 19,80 € pour 1,2 kg" in page  # 16,50 × 1,2
    assert "Levain naturel, farine T80" in page
    assert "Pain d'épices" not in page and "Chapon" not in page  # Christmas only
    assert "ancienne étiquette" not in page  # inactive
    assert 'id="four"' in html and 'href="#four"' in html and 'href="producteur-four.html"' in html
    noel = text_of(read(build_demo_site(tmp_path / "noel", at("2026-12-12 10:00")).folder, "catalogue.html"))
    assert "Vente spéciale de Noël" in noel and "Pain d'épices" in noel and "Chapon" in noel
    assert "Demander le bon de commande" in noel  # Noël has no form link: an email to the coordinator instead


def test_a_producer_page_shows_what_the_sheet_makes_public(tmp_path):
    built = build_demo_site(tmp_path)
    html = read(built.folder, "producteur-four.html")
    page = text_of(html)
    assert "<h1>Le Fournil des Vignes</h1>" in html and "Valençay" in page and "levain naturel" in page
    assert 'href="https://www.example.org/fournil"' in html
    assert "chèque, espèces" in page
    assert "Pain de campagne" in page and "Pain d'épices" in page  # everything it sells, Christmas included
    pomm = read(built.folder, "producteur-pomm.html")  # no description, no website: nothing left empty
    assert '<p class="lead">' not in pomm and "Site internet" not in pomm
    listing = text_of(read(built.folder, "producteurs.html"))
    assert all(name in listing for _c, name, *_ in demo.PRODUCERS)


def test_missing_optional_columns_leave_their_place_out(tmp_path):
    store = MemoryStore(demo.build())  # the demo workbook as init --demo writes it: no Commune, no Photo
    built = build_demo_site(tmp_path, store=store, presentation="", address="")
    home = read(built.folder, "index.html")
    assert 'class="lead"' not in home and 'class="town"' not in home and "<img" not in home
    assert "Site internet" not in read(built.folder, "producteur-four.html")


def test_only_web_addresses_become_links(tmp_path):
    grids = demo_grids()
    producers = grids[sheet.PRODUCERS.name]
    column = producers[0].index("Site web")
    producers[1][column] = "javascript:alert(1)"
    producers[2][column] = "www.jardins.example.org"
    built = build_demo_site(tmp_path, store=MemoryStore(grids))
    assert "javascript" not in read(built.folder, "producteur-four.html")
    assert 'href="https://www.jardins.example.org"' in read(built.folder, "producteur-jard.html")


def test_the_calendar_page_and_its_feed(tmp_path):
    built = build_demo_site(tmp_path, at("2026-12-02 10:00"))
    page = text_of(read(built.folder, "calendrier.html"))
    assert page.index("Vente de décembre") < page.index("Vente spéciale de Noël")
    assert "Vente de novembre" not in page  # already distributed
    assert "vente spéciale" in page and "mercredi 23 décembre 2026, de 16 h à 19 h" in page
    feed = (built.folder / "calendrier.ics").read_bytes()
    assert feed.startswith(b"BEGIN:VCALENDAR\r\n") and feed.endswith(b"END:VCALENDAR\r\n")
    text = feed.decode("utf-8").replace("\r\n ", "")
    assert "UID:2026-12-distribution@paniers.example.org" in text
    assert "DTSTART:20261211T160000Z" in text and "DTEND:20261211T180000Z" in text  # 17 h – 19 h in Paris
    assert "LOCATION:Salle des fêtes\\, 2 rue des Tilleuls\\, 36600 Valençay" in text
    assert text.count("BEGIN:VEVENT") == 6  # November too: a calendar keeps the recent past
    assert all(len(line.encode()) <= 75 for line in feed.decode().split("\r\n"))


def test_every_page_is_small_accessible_and_in_french(tmp_path):
    built = build_demo_site(tmp_path, photos=True)
    for name, text in every_file(built.folder).items():
        assert len(text.encode()) < 100_000, name
        if name.endswith(".html"):
            assert text.startswith("<!doctype html>\n<html lang=\"fr\">"), name
            assert text.count("<h1") == 1 and "<main id=\"contenu\"" in text and "<script" not in text, name
            assert '<link rel="stylesheet" href="style.css">' in text
            assert not re.search(r"<img(?![^>]*\balt=\"[^\"]+\")", text), name
            assert not re.search(r"(src|href)=\"//", text) and "@import" not in text
    css = read(built.folder, "style.css")
    assert ":focus-visible" in css and "outline" in css and "@font-face" not in css and "url(" not in css


def test_photos_are_copied_scaled_down_and_stripped(tmp_path):
    built = build_demo_site(tmp_path, photos=True)
    photos = sorted((built.folder / "photos").iterdir())
    assert len(photos) == 5  # four files and one address, fetched once
    for path in photos:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.width <= 800 and not image.getexif()
        assert path.stat().st_size < 120_000
    html = read(built.folder, "catalogue.html")
    assert 'alt="Pain de campagne, 1 kg"' in html and 'width="800" height="600"' in html


def test_a_photo_that_cannot_be_used_is_left_out_with_a_note(tmp_path):
    grids = demo_grids(photos=True)
    products = grids[sheet.PRODUCTS.name]
    products[2][-1] = "absente.jpg"
    products[3][-1] = "../../etc/passwd"
    config = site_config(tmp_path)
    config.site.photos.mkdir(parents=True)
    (config.site.photos / "pain1.jpg").write_bytes(b"not a picture")
    built = build_demo_site(tmp_path, store=MemoryStore(grids))
    notes = " ".join(built.report.notes)
    assert "« absente.jpg » n'est pas dans le dossier des photos" in notes
    assert "../../etc/passwd" in notes and "pain1.jpg » n'est pas une image lisible" in notes
    assert "<img" not in read(built.folder, "producteur-four.html")


def test_the_same_input_gives_the_same_bytes_and_a_rebuild_writes_nothing(tmp_path):
    first = build_demo_site(tmp_path / "a", photos=True)
    second = build_demo_site(tmp_path / "b", photos=True)
    def site_files(folder):  # the pages, feed, stylesheet and photos (the manifest holds the photo files' dates)
        return sorted(p.relative_to(folder) for p in folder.rglob("*")
                      if p.is_file() and p.name != ".paniers-site.json")

    files = site_files(first.folder)
    assert files == site_files(second.folder) and len(files) == 20
    for name in files:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    stamps = {p: p.stat().st_mtime_ns for p in first.folder.rglob("*")}
    again = build_demo_site(tmp_path / "a", photos=True)
    assert again.report.written.changed == [] and again.report.written.removed == []
    assert {p: p.stat().st_mtime_ns for p in first.folder.rglob("*")} == stamps
    # one more minute changes nothing either: no date of the build anywhere
    later = build_demo_site(tmp_path / "a", at("2026-12-02 10:01"), photos=True)
    assert later.report.written.changed == []


def test_a_producer_who_leaves_takes_their_page_and_only_it(tmp_path):
    built = build_demo_site(tmp_path)
    (built.folder / "CNAME").write_text("paniers.example.org\n")  # the group's own file
    grids = demo_grids()
    active = grids[sheet.PRODUCERS.name][0].index("Actif")
    grids[sheet.PRODUCERS.name][8][active] = "non"  # POMM
    rebuilt = build_demo_site(tmp_path, store=MemoryStore(grids))
    assert rebuilt.report.written.removed == ["producteur-pomm.html"]
    assert (built.folder / "CNAME").exists()


def tick_ctx(tmp_path, store, moment, **site):
    config = site_config(tmp_path, **site)
    config = type(config)(**{**config.__dict__, "mail": type(config.mail)(
        backend="outbox", outbox=tmp_path / "outbox", journal_wal=tmp_path / "wal.jsonl")})
    lines: list[str] = []
    return Context(config, store, moment, into(lines)), lines


def test_tick_rebuilds_the_site_only_when_what_it_shows_changed(tmp_path, monkeypatch):
    renders = []
    real = render_module.render
    monkeypatch.setattr(render_module, "render", lambda *a, **k: renders.append(1) or real(*a, **k))
    store = MemoryStore(demo_grids())
    ctx, lines = tick_ctx(tmp_path, store, at("2026-11-20 10:00"))
    assert tick_command.run(ctx) == 0
    site = tmp_path / "site"
    assert "Prochaines commandes" in read(site, "index.html") and len(renders) == 1
    assert any("Site du groupe" in line for line in lines)
    ctx, lines = tick_ctx(tmp_path, store, at("2026-11-20 10:15"))
    tick_command.run(ctx)
    assert len(renders) == 1 and not any("Site du groupe" in line for line in lines)  # nothing changed
    ctx, _ = tick_ctx(tmp_path, store, at("2026-11-30 08:05"))  # the December sale opens
    tick_command.run(ctx)
    assert len(renders) == 2 and "Les commandes sont ouvertes" in read(site, "index.html")
    products = store.tabs[sheet.PRODUCTS.name]
    products[1][products[0].index("Prix")] = "4,70"  # a producer changes a price
    ctx, _ = tick_ctx(tmp_path, store, at("2026-11-30 08:20"))
    tick_command.run(ctx)
    assert len(renders) == 3 and "4,70" in read(site, "catalogue.html")


def test_tick_builds_no_site_for_a_group_that_did_not_ask_for_one(tmp_path):
    store = MemoryStore(demo_grids())
    ctx, _ = tick_ctx(tmp_path, store, at("2026-12-02 10:00"))
    ctx.config = type(ctx.config)(**{**ctx.config.__dict__, "site": type(ctx.config.site)()})
    assert tick_command.run(ctx) == 0
    assert not (tmp_path / "site").exists()


def test_the_fingerprint_is_cheap(tmp_path):
    import time

    built = build_demo_site(tmp_path)
    start = time.perf_counter()
    for _ in range(10):
        site_build.fingerprint(built.content, built.config)
    assert (time.perf_counter() - start) / 10 < 0.05


def test_paniers_site_through_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert jobs.main(["init", "--demo"]) == 0
    capsys.readouterr()
    assert jobs.main(["site", "--now", "2026-12-02 10:00"]) == 0
    out = plain(capsys.readouterr().out)
    assert "Site du groupe : 13 pages" in out and (tmp_path / "site" / "index.html").exists()
    assert jobs.main(["site", "--now", "2026-12-02 10:00", "--out", "public"]) == 0
    assert (tmp_path / "public" / "calendrier.ics").exists()
    assert jobs.main(["site", "--now", "2026-12-02 10:00"]) == 0
    assert "rien n'a changé" in plain(capsys.readouterr().out)
