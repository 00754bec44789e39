"""The figures against values computed by hand on the small history of ``fakes.history.small_book``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from fakes import history as history_fakes
from fakes.history import BookBuilder, at, catalogue, product, sale
from plain import plain

from sync import demo, figures, sheet, snapshot
from sync.orderbook import OrderBook
from sync.stores import MemoryStore
from sync.stores.base import Changes

D = Decimal

SALES = history_fakes.SMALL_SALES
NOW = history_fakes.SMALL_NOW


@pytest.fixture
def cat():
    return history_fakes.small_catalogue()


@pytest.fixture
def book(cat) -> OrderBook:
    return history_fakes.small_book(cat)


@pytest.fixture
def history(book, cat) -> figures.History:
    return figures.History.build(book, cat, NOW)


def test_sales_are_the_opened_ones_in_order(history):
    assert list(history.sales.index) == ["2025-11", "2025-12", "2025-NOEL", "2026-01", "2026-02", "2026-11"]
    assert list(history.sales["label"]) == ["nov. 2025", "déc. 2025", "Noël 2025", "janv. 2026",
                                             "févr. 2026", "nov. 2026"]


def test_households_new_and_returning_per_sale(history):
    s = history.sales
    assert list(s["households"]) == [2, 3, 1, 2, 0, 3]
    assert list(s["new"]) == [2, 2, 0, 0, 0, 1]
    assert list(s["returning"]) == [0, 1, 1, 2, 0, 2]


def test_turnover_and_average_basket(history):
    s = history.sales
    assert list(s["turnover"]) == [D("28.50"), D("37.50"), D("7.20"), D("34.50"), D("0.00"), D("39.90")]
    assert list(s["basket"]) == [D("14.25"), D("12.50"), D("7.20"), D("17.25"), None, D("13.30")]


def test_a_household_is_new_once_even_when_its_first_order_was_cut(history):
    new = history.presence[history.presence["new"]]
    assert sorted(new["email"]) == sorted(set(history.presence["email"]))
    assert set(new[new["email"] == "a@example.org"]["sale"]) == {"2025-11"}
    # f asked only for a product already sold out: not served, never counted
    assert "f@example.org" not in set(history.presence["email"])
    assert history.sales["new"].sum() == history.presence["email"].nunique() == 5


def test_cancelled_orders_are_not_counted(history):
    assert "e@example.org" not in set(history.presence["email"])
    assert history.sales.loc["2025-NOEL", "households"] == 1


def test_orders_and_turnover_per_producer(history):
    p = history.producers.set_index(["sale", "producer"])
    assert p.loc[("2025-11", "FOUR"), "orders"] == 2 and p.loc[("2025-11", "FOUR"), "turnover"] == D("13.50")
    assert p.loc[("2025-11", "JARD"), "orders"] == 1 and p.loc[("2025-11", "JARD"), "turnover"] == D("15.00")
    assert p.loc[("2025-12", "FOUR"), "orders"] == 2 and p.loc[("2025-12", "FOUR"), "turnover"] == D("22.50")
    assert p.loc[("2026-11", "JARD"), "orders"] == 2 and p.loc[("2026-11", "JARD"), "turnover"] == D("17.40")
    assert ("2025-NOEL", "FOUR") not in p.index
    assert ("2026-02", "FOUR") not in p.index


def test_sold_out_by_cut_or_by_reaching_the_stock(history):
    out = history.products[history.products["sold_out"]]
    assert sorted(zip(out["sale"], out["product"], strict=True)) == [
        ("2025-12", "BRIO"), ("2026-01", "BRIO"), ("2026-11", "BRIO")]
    brioche = history.products.set_index(["sale", "product"]).loc[("2025-12", "BRIO")]
    assert (brioche["requested"], brioche["allocated"], brioche["households"], brioche["stock"]) == (4, 3, 2, 3)


def test_bilan_rows(history):
    bilan = history.bilan()
    assert list(bilan.columns) == [
        *(c.name for c in sheet.BILAN.columns),
        "Commandes : Le Fournil", "Commandes : Les Jardins", "CA : Le Fournil", "CA : Les Jardins"]
    first = bilan.iloc[0].to_dict()
    assert first == {
        "Vente": "2025-11", "Titre": "Vente de novembre", "Date": "14/11/2025", "Foyers": 2, "Nouveaux foyers": 2,
        "Foyers fidèles": 0, "Chiffre d'affaires total": D("28.50"), "Panier moyen": D("14.25"),
        "Produits épuisés": "", "Remarques": "", "Commandes : Le Fournil": 2, "Commandes : Les Jardins": 1,
        "CA : Le Fournil": D("13.50"), "CA : Les Jardins": D("15.00"),
    }
    assert bilan.loc[1, "Produits épuisés"] == "Brioche"
    noel = bilan.iloc[2]
    assert noel["Commandes : Le Fournil"] is None and noel["CA : Le Fournil"] is None
    assert noel["CA : Les Jardins"] == D("7.20")


def test_a_sale_with_no_orders_has_a_row_of_zeros(history):
    row = history.bilan().set_index("Vente").loc["2026-02"]
    assert (row["Foyers"], row["Nouveaux foyers"], row["Foyers fidèles"]) == (0, 0, 0)
    assert row["Chiffre d'affaires total"] == D("0.00")
    assert row["Panier moyen"] is None and row["Produits épuisés"] == ""
    grid = sheet.frame_to_grid(history.bilan())
    assert grid[5][:9] == ["2026-02", "Vente de février", "13/02/2026", 0, 0, 0, 0.0, "", ""]


def test_bilan_carries_the_coordinators_notes_over(history):
    old = sheet.frame_to_grid(history.bilan())
    old[2][old[0].index("Remarques")] = "Neige : 3 foyers absents"
    new = sheet.carry_over(old, history.bilan(), sheet.BILAN)
    assert new.set_index("Vente").loc["2025-12", "Remarques"] == "Neige : 3 foyers absents"


def derived_tabs(history, snap):
    """What ``refresh`` writes for the two tabs: the frame, carried over from the tab as read."""
    return {tab.name: sheet.frame_to_grid(sheet.carry_over(snap.grid(tab), frame, tab))
            for tab, frame in ((sheet.BILAN, history.bilan()), (sheet.RECALL, history.lapsed_tab()))}


def test_the_derived_tabs_through_a_store(cat, config):
    store = MemoryStore(demo.build())
    later = at("2026-12-12 10:00")  # z has missed three ordinary sales by then
    book = BookBuilder(cat)
    for code in ("2025-11", "2025-12", "2026-01"):
        book.order(code, "z@example.org", {"PAIN": 1}, name="Zoé Z", phone="06 99")
    book = book.build()
    snap = snapshot.read(store, config)
    store.write(Changes(replace=derived_tabs(figures.History.build(book, cat, later), snap)))
    bilan, recall = store.tabs["Bilan"], store.tabs["Foyers à recontacter"]
    assert bilan[0][:10] == sheet.BILAN.header and bilan[1][:9] == [
        "2025-11", "Vente de novembre", "14/11/2025", 1, 1, 0, 4.5, 4.5, ""]
    assert recall == [sheet.RECALL.header, ["Zoé Z", "z@example.org", "06 99", 3, "Vente de novembre (14/11/2025)",
                                            "Vente de janvier (16/01/2026)", 3]]  # (trailing blanks trimmed)
    # the coordinator writes notes; the next refresh keeps them, also for a household that came back
    bilan[2][bilan[0].index("Remarques")] = "Neige"
    recall[1].append("Appelée le 14/12 : a déménagé")  # the Remarques column, last
    store.write(Changes(replace={"Bilan": bilan, "Foyers à recontacter": recall}))
    snap = snapshot.read(store, config)
    assert snap.table(sheet.BILAN).frame["Remarques"].tolist()[:2] == ["", "Neige"]
    came_back = BookBuilder(cat)
    for code in ("2025-11", "2025-12", "2026-01", "2026-11"):
        came_back.order(code, "z@example.org", {"PAIN": 1}, name="Zoé Z", phone="06 99")
    tabs = derived_tabs(figures.History.build(came_back.build(), cat, later), snap)
    assert tabs["Bilan"][2][tabs["Bilan"][0].index("Remarques")] == "Neige"
    assert tabs["Foyers à recontacter"][1][-1] == "Appelée le 14/12 : a déménagé"  # kept, though she came back


def test_an_empty_book_gives_rows_of_zeros(cat):
    history = figures.History.build(OrderBook.empty(), cat, NOW)
    bilan = history.bilan()
    assert len(bilan) == 6 and set(bilan["Foyers"]) == {0}
    assert list(bilan.columns) == [c.name for c in sheet.BILAN.columns]
    assert history.lapsed().empty
    assert history.products.empty


def test_the_comparable_sale(history):
    assert history.comparable("2026-11") == "2025-11"
    assert history.comparable("2026-01") is None  # no January sale in 2025
    assert history.comparable("2025-11") is None
    assert history.previous("2026-11") == ["2025-NOEL", "2026-01", "2026-02"]
    assert history.previous("2025-12") == ["2025-11"]


def test_comparable_special_sales_follow_their_kind():
    sales = figures.calendar(pd.DataFrame([
        sale("2025-PAQUES", "2025-04-19 10:00", "Vente de Pâques", special=True),
        sale("2025-05", "2025-05-16 17:00"),
        sale("FETE-MERES", "2025-05-24 10:00", "Fête des mères", special=True),
        sale("2025-NOEL", "2025-12-22 16:00", "Vente spéciale de Noël", special=True),
        sale("2026-PAQUES", "2026-04-04 10:00", "Pâques 2026", special=True),  # a fortnight earlier than 2025
        sale("2026-05", "2026-05-15 17:00"),
        sale("MERES-26", "2026-05-30 10:00", "Fête des mères", special=True),
        sale("NOV-B", "2026-11-20 17:00", "Vente de novembre"),
        sale("2026-CHRISTMAS", "2026-12-21 16:00", "Marché de fin d'année", special=True),
    ]))
    assert figures.comparable("2026-PAQUES", sales) == "2025-PAQUES"
    assert figures.comparable("2026-05", sales) == "2025-05"  # not the special sale of the same month
    assert figures.comparable("MERES-26", sales) == "FETE-MERES"
    assert figures.comparable("2026-CHRISTMAS", sales) == "2025-NOEL"
    assert figures.comparable("NOV-B", sales) is None
    assert figures.comparable("UNKNOWN", sales) is None
    assert list(sales["kind"]) == ["paques", "", "", "noel", "paques", "", "", "", "noel"]


# --- households who stopped ---------------------------------------------------------------

def monthly(n: int, noel_after: int | None = None) -> list[dict]:
    rows = [sale(f"2025-{m:02d}", f"2025-{m:02d}-10 17:00") for m in range(1, n + 1)]
    if noel_after is not None:
        rows.append(sale("2025-NOEL", f"2025-{noel_after:02d}-20 17:00", "Noël", special=True,
                         opens=f"2025-{noel_after:02d}-12 08:00", closes=f"2025-{noel_after:02d}-18 20:00"))
    return rows


def test_lapsed_households():
    cat = catalogue(monthly(10, noel_after=8), [product("PAIN", "FOUR")])
    b = BookBuilder(cat)

    def orders(email, months, name=None):
        for m in months:
            b.order(m if isinstance(m, str) else f"2025-{m:02d}", email, {"PAIN": 1}, name=name or email,
                    phone="06 12 34 56 78")

    orders("gone@example.org", [1, 2, 3, 4, 5, 6, 7], "Régulière Partie")  # misses 8, (Noël,) 9, 10: listed
    orders("two@example.org", [2, 3, 4, 5, 6, 7, 8])  # misses Noël, 9 and 10: Noël is not counted
    orders("rare@example.org", [2, 4, 7])  # 3 of the 6 sales up to July (February to July): a regular
    orders("once@example.org", [1, 6, 7])  # 2 of the 6 sales up to July: not a regular
    orders("noel@example.org", [3, 4, 5, 6, 7, "2025-NOEL"])  # came at Christmas: only 9 and 10 missed since
    orders("nonoel@example.org", [3, 4, 5, 6, 7])  # the same without Christmas: listed
    orders("early@example.org", [1, 2, 3])  # gone since March: listed, further down
    history = figures.History.build(b.build(), cat, at("2025-10-15 10:00"))
    found = history.lapsed()
    assert list(found["email"]) == ["gone@example.org", "nonoel@example.org", "rare@example.org",
                                    "early@example.org"]
    gone = found.iloc[0]
    assert gone["name"] == "Régulière Partie" and gone["phone"] == "06 12 34 56 78"
    assert (gone["orders"], gone["first_sale"], gone["last_sale"], gone["missed"], gone["recent"]) == (
        7, "2025-01", "2025-07", 3, 6)
    assert found.iloc[2]["recent"] == 3
    assert found.iloc[3]["missed"] == 7


def test_a_sale_still_open_is_not_counted_as_missed():
    cat = catalogue(monthly(7), [product("PAIN", "FOUR")])
    b = BookBuilder(cat)
    for m in (1, 2, 3, 4):
        b.order(f"2025-{m:02d}", "x@example.org", {"PAIN": 1})
    sale7 = cat.sales.set_index("code").loc["2025-07"]
    during = figures.History.build(b.build(), cat, sale7["opens"] + timedelta(days=1))
    assert during.lapsed().empty  # 5 and 6 missed; 7 still open
    after = figures.History.build(b.build(), cat, sale7["closes"] + timedelta(minutes=1))
    assert list(after.lapsed()["email"]) == ["x@example.org"]


def test_lapsed_tab(cat):
    b = BookBuilder(cat)
    for code in ("2025-11", "2025-12", "2026-01"):
        b.order(code, "z@example.org", {"PAIN": 1}, name="Zoé Z", phone="06 99")
    book = b.build()
    # in November 2026 only 2026-02 and 2026-11 are missed (the Noël sale is not an ordinary one)
    assert figures.History.build(book, cat, NOW).lapsed_tab().empty
    tab = figures.History.build(book, cat, at("2026-12-12 10:00")).lapsed_tab()
    assert list(tab.columns) == [c.name for c in sheet.RECALL.columns]
    assert tab.to_dict("records") == [{
        "Nom": "Zoé Z", "Email": "z@example.org", "Téléphone": "06 99", "Commandes": 3,
        "Première vente": "Vente de novembre (14/11/2025)", "Dernière vente": "Vente de janvier (16/01/2026)",
        "Ventes manquées": 3, "Remarques": "",
    }]


# --- planning ------------------------------------------------------------------------------

def test_plan_like_a_past_sale(history):
    plan = history.plan("2025-12", target="2026-12")
    assert list(plan["product"]) == ["BRIO", "PAIN", "LEG"]  # producers in their tab's order, then by label
    brioche = plan.iloc[0]
    assert brioche["producer_name"] == "Le Fournil"
    assert (brioche["requested"], brioche["allocated"], brioche["households"]) == (4, 3, 2)
    assert brioche["stock"] == 3 and brioche["sold_out"] and brioche["current_stock"] == 3
    # c asked for 2 at the opening + 67 min, d for 2 at + 74 min: the stock of 3 ran out with d
    assert brioche["sold_out_at"] == SALES[1]["opens"] + timedelta(minutes=74)
    assert brioche["after"] == timedelta(minutes=74)
    assert plain(figures.duration(brioche["after"])) == "1 heure et 14 min"
    pain = plan.iloc[1]
    assert not pain["sold_out"] and pain["sold_out_at"] is None and pain["stock"] is None
    assert pain["amount"] == D("4.50") and bool(pain["offered"])


def test_sell_out_replays_modifications_and_cancellations():
    cat = catalogue([sale("S", "2026-03-13 17:00", opens="2026-03-01 08:00")],
                    [product("X", "FOUR", stock=5), product("Y", "FOUR")])
    t = at("2026-03-01 08:00")
    b = BookBuilder(cat)
    # h1 asks 3, then cuts down to 1; h2 asks 1 then cancels; h3 asks 2; h4 asks 2: only then 5 are asked
    b.order("S", "h1@x.org", {"X": 1, "Y": 1}, when=t + timedelta(hours=5),
            earlier=[(t + timedelta(hours=1), {"X": 3})])
    b.cancel("S", "h2@x.org", t + timedelta(hours=4), [(t + timedelta(hours=2), {"X": 1})])
    b.order("S", "h3@x.org", {"X": 2}, when=t + timedelta(hours=6))
    b.order("S", "h4@x.org", {"X": 2}, when=t + timedelta(days=2, hours=3))
    b.order("S", "h5@x.org", {"X": (1, 0)}, when=t + timedelta(days=3))
    book = b.build()
    times = figures.sell_out(book, "S", {"X": 5}, t).set_index("product")
    assert times.loc["X", "sold_out_at"] == t + timedelta(days=2, hours=3)
    assert plain(figures.duration(times.loc["X", "after"])) == "2 jours et 3 heures"
    history = figures.History.build(book, cat, at("2026-03-20 10:00"))
    out = history.sold_out("S")
    assert list(out["product"]) == ["X"] and out.iloc[0]["after"] == timedelta(days=2, hours=3)


def test_a_product_that_never_ran_out_has_no_time():
    cat = catalogue([sale("S", "2026-03-13 17:00", opens="2026-03-01 08:00")], [product("X", "FOUR", stock=5)])
    book = BookBuilder(cat).order("S", "h@x.org", {"X": 2}).build()
    times = figures.sell_out(book, "S", {"X": 5}, at("2026-03-01 08:00"))
    assert times.iloc[0]["sold_out_at"] is None and times.iloc[0]["after"] is None


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(minutes=0), "1 minute"),
    (timedelta(minutes=40), "40 minutes"),
    (timedelta(hours=1), "1 heure"),
    (timedelta(hours=2, minutes=5), "2 heures et 5 min"),
    (timedelta(hours=5, minutes=5), "5 heures"),
    (timedelta(days=1), "1 jour"),
    (timedelta(days=3, hours=1, minutes=59), "3 jours et 1 heure"),
])
def test_durations_in_french(delta, text):
    assert plain(figures.duration(delta)) == text


def test_two_producers_with_the_same_name_are_told_apart():
    cat = catalogue([sale("S", "2026-03-13 17:00")], [product("X", "A1"), product("Y", "A2")],
                    [history_fakes.producer("A1", "Ferme Martin"), history_fakes.producer("A2", "Ferme Martin")])
    book = BookBuilder(cat).order("S", "h@x.org", {"X": 1, "Y": 1}).build()
    history = figures.History.build(book, cat, at("2026-03-20 10:00"))
    assert history.producer_names() == {"A1": "Ferme Martin (A1)", "A2": "Ferme Martin (A2)"}
    assert list(history.bilan().columns[-2:]) == ["CA : Ferme Martin (A1)", "CA : Ferme Martin (A2)"]


def test_one_history_per_run(monkeypatch, config):
    from sync import demo, snapshot
    from sync.refresh import refresh
    from sync.stores import MemoryStore

    built = []
    original = figures.History.build
    monkeypatch.setattr(figures.History, "build", classmethod(lambda cls, *a: built.append(a) or original(*a)))
    result = refresh(snapshot.read(MemoryStore(demo.build()), config), config, NOW)
    assert {"Bilan", "Foyers à recontacter"} <= set(result.frames)
    assert len(built) == 1  # the Bilan and the Foyers à recontacter tabs share it
    assert result.history is result.history and result.history.now == NOW
