"""Weights typed in Pesées turn estimates into final amounts, for the lines weighed and only those."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from conftest import at
from lists_builders import weighings

from sync import config as config_module
from sync import demo, sheet, snapshot
from sync.commands import Context, init
from sync.lists import apply_weights, changed_amounts, producer_list, rows_to_weigh, sign_off_frame
from sync.problems import ERROR, WARNING
from sync.stores import MemoryStore

SALE = "2026-12"
MARTINE, ELODIE, KEVIN = "martine.ducloux@example.org", "elodie.garnier@example.org", "kevin.marchand@example.org"


def line_of(book, email, product, sale=SALE):
    lines = book.lines
    return lines[(lines["sale"] == sale) & (lines["email"] == email) & (lines["product"] == product)].iloc[0]


def test_weights_replace_estimates_for_the_lines_weighed_and_only_those(dec):
    table = weighings([
        [SALE, MARTINE, "Ducloux Martine", "VIA1", "Rôti de porc", 1, "1,318", ""],
        [SALE, "Elodie.Garnier@example.org ", "", "VIA3 · Saucisses de porc", "", "", "0.655 kg", "pesé à la ferme"],
        [SALE, KEVIN, "", "VIA2", "", "", "", ""],  # not weighed yet: stays estimated, not a problem
    ])
    after, problems = apply_weights(dec, table)
    assert problems == []
    roast = line_of(after, MARTINE, "VIA1")
    assert roast["weight"] == Decimal("1.318") and not roast["estimated"]
    assert roast["amount"] == Decimal("21.75")  # 1,318 kg × 16,50 €/kg = 21,747 → 21,75
    sausages = line_of(after, ELODIE, "VIA3")
    assert sausages["amount"] == Decimal("9.17") and not sausages["estimated"]  # 0,655 × 14,00
    # everything else is exactly as it was
    changed = {(MARTINE, "VIA1"), (ELODIE, "VIA3")}
    for before_row, after_row in zip(dec.lines.itertuples(index=False), after.lines.itertuples(index=False),
                                     strict=True):
        if (before_row.email, before_row.product) in changed and before_row.sale == SALE:
            continue
        assert before_row == after_row
    assert line_of(after, ELODIE, "VIA1")["estimated"]  # her roasts were not weighed
    assert line_of(after, KEVIN, "VIA2")["estimated"]
    # the households' totals follow
    households = after.households.set_index(["sale", "email"])
    before = dec.households.set_index(["sale", "email"])
    assert households.loc[(SALE, MARTINE), "amount"] == before.loc[(SALE, MARTINE), "amount"] + Decimal("1.95")
    assert households.loc[(SALE, ELODIE), "amount"] == before.loc[(SALE, ELODIE), "amount"] + Decimal("0.77")
    assert households.loc[(SALE, KEVIN), "amount"] == before.loc[(SALE, KEVIN), "amount"]
    # the book given is left alone
    assert line_of(dec, MARTINE, "VIA1")["estimated"]


def test_final_amounts_show_everywhere_and_changes_are_listed(cat, dec):
    table = weighings([[SALE, MARTINE, "", "VIA1", "", "", "1,318", ""]])
    after, _ = apply_weights(dec, table)
    plist = producer_list(after, cat, SALE, "VIAN")
    assert plist.total == producer_list(dec, cat, SALE, "VIAN").total + Decimal("1.95")
    martine = next(h for h in plist.households if h.email == MARTINE)
    assert not martine.estimated and martine.amount == Decimal("21.75")
    roasts = plist.products.set_index("product").loc["VIA1"]
    assert roasts["weight"] == Decimal("1.318") + 2 * Decimal("1.2")  # weighed + still estimated
    assert roasts["estimated"]  # Élodie's roasts are still to weigh
    frame = sign_off_frame(after, cat, [SALE]).set_index("Email")
    assert frame.loc[MARTINE, "Ferme des Trois Chênes"] == Decimal("21.75")

    changes = changed_amounts(dec, after)
    assert list(changes["email"]) == [MARTINE]
    row = changes.iloc[0]
    assert row["before"] == Decimal("40.00") and row["after"] == Decimal("41.95") and not row["estimated"]
    assert changed_amounts(dec, dec).empty


def test_bad_weights_are_problems_and_leave_the_estimate(dec):
    table = weighings([
        [SALE, MARTINE, "", "VIA1", "", "", "un kilo", ""],                    # 2 unreadable
        [SALE, "nobody@example.org", "", "VIA1", "", "", "1,2", ""],          # 3 no such household
        [SALE, MARTINE, "", "VIA4", "", "", "1,8", ""],                       # 4 product not ordered
        [SALE, MARTINE, "", "PAIN1", "", "", "1", ""],                        # 5 not sold by weight
        [SALE, ELODIE, "", "VIA1", "", "", "2400", ""],                       # 6 grams typed as kilos
        ["2026-07", ELODIE, "", "VIA1", "", "", "2,4", ""],                   # 7 no such sale
        [SALE, "pas une adresse", "", "VIA1", "", "", "1,2", ""],             # 8 bad e-mail
        [SALE, ELODIE, "", "", "", "", "1,2", ""],                            # 9 no product
        [SALE, KEVIN, "", "VIA2", "", "", "0", ""],                           # 10 zero
        [SALE, KEVIN, "", "VIA2", "", "", "-3", ""],                          # 11 negative
    ])
    after, problems = apply_weights(dec, table)
    by_row = {p.row: p for p in problems}
    assert set(by_row) == set(range(2, 12))
    assert all(p.tab == "Pesées" for p in problems)
    assert by_row[2].column == "Poids (kg)" and "poids illisible" in by_row[2].message
    assert by_row[3].column == "Email" and "pas de commande" in by_row[3].message
    assert by_row[4].column == "Produit" and "pas commandé ce produit" in by_row[4].message
    assert by_row[5].severity == WARNING and "pas vendu au poids" in by_row[5].message
    assert by_row[6].severity == ERROR and "invraisemblable" in by_row[6].message
    assert by_row[7].column == "Vente"
    assert by_row[8].column == "Email" and "invalide" in by_row[8].message
    assert by_row[9].column == "Produit"
    assert "nul ou négatif" in by_row[10].message and "nul ou négatif" in by_row[11].message
    assert all(p.sale in (SALE, "2026-07") for p in problems)
    pd.testing.assert_frame_equal(after.lines, dec.lines)  # nothing applied


def test_surprising_weight_is_applied_with_a_warning_and_duplicates_keep_the_last(dec):
    table = weighings([
        [SALE, ELODIE, "", "VIA1", "", "", "5,1", ""],    # 2 roasts, 2,4 kg expected: more than twice
        [SALE, MARTINE, "", "VIA1", "", "", "1,1", ""],
        [SALE, MARTINE, "", "VIA1", "", "", "1,25", "corrigé"],
    ])
    after, problems = apply_weights(dec, table)
    assert [(p.row, p.severity) for p in problems] == [(2, WARNING), (4, WARNING)]
    assert "surprenant" in problems[0].message and "double" in problems[1].message
    assert line_of(after, ELODIE, "VIA1")["amount"] == Decimal("84.15")
    assert line_of(after, MARTINE, "VIA1")["weight"] == Decimal("1.25")


def test_missing_or_empty_pesees_tab_changes_nothing(dec):
    table = sheet.read_table(None, sheet.WEIGHINGS)
    after, problems = apply_weights(dec, table)
    assert after is dec and problems == []
    after, problems = apply_weights(dec, weighings([]))
    assert after is dec and problems == []


def test_rows_to_weigh_prefills_the_lines_sold_by_weight_once(dec):
    append = rows_to_weigh(dec, None, SALE)
    header = sheet.WEIGHINGS.header
    keyed = {(r[header.index("Email")], r[header.index("Produit")]): r for r in append.rows}
    assert set(keyed) == {(MARTINE, "VIA1"), ("jerome.pelletier@example.net", "VIA4"), (ELODIE, "VIA1"),
                          (ELODIE, "VIA3"), ("ahmed.benali@example.org", "VIA2"), (KEVIN, "VIA2")}
    row = keyed[(ELODIE, "VIA1")]
    assert row[header.index("Quantité")] == 2 and row[header.index("Poids (kg)")] == ""
    assert row[header.index("Nom")] == "Élodie Garnier"
    # once the rows are in the tab (one already weighed, in a tab whose columns were moved), none is added again
    moved = ["Poids (kg)", "Produit", "Vente", "Email"]
    grid = [moved, ["1,3", "VIA1", SALE, MARTINE],
            *[[r[header.index(c)] for c in moved] for r in append.rows if r[header.index("Email")] != MARTINE]]
    assert rows_to_weigh(dec, grid, SALE).rows == []
    missing = rows_to_weigh(dec, grid[:2], SALE)
    assert len(missing.rows) == 5 and all(len(r) == len(moved) for r in missing.rows)
    assert missing.rows[0][moved.index("Poids (kg)")] == ""


def test_init_creates_pesees_and_the_snapshot_reads_it(tmp_path):
    config = config_module.from_dict({}, base_dir=tmp_path)  # init takes the run lock, beside the config
    store = MemoryStore(demo.build())
    snap = snapshot.read(store, config)
    assert snap.table(sheet.WEIGHINGS).frame.empty and snap.problems == []  # an old workbook without the tab
    init.run(Context(config, store, at("2026-12-12 10:00"), lambda _: None))
    snap = snapshot.read(store, config)
    assert store.tabs["Pesées"] == [sheet.WEIGHINGS.header]
    assert snap.table(sheet.WEIGHINGS).present and snap.problems == []
