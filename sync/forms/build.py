"""What the order form of a sale holds, built from the catalogue (pure: no network, no clock).

The form, top to bottom: its title and description (the sale, the ordering window, the place and
time of the distribution, the sale's message, how ordering works); the household's Nom, Prénom and
Téléphone; one section (a page of the form) per producer with a drop-down menu per product; a last
section with the Commentaire box. The e-mail address is not a question: it is the form's « collect
e-mail addresses » setting, which Google writes in its own column.

Why a drop-down per product rather than a grid per producer: a grid's columns are shared by all its
rows, so a product with a stock of 4 could not be bounded differently from one without a limit, and
a grid of eleven radio columns scrolls sideways on a phone; a drop-down is the phone's own picker,
is bounded per product (``[forms] max_choices``, ``[orders] max_quantity``, the stock), and its
answer column is titled with the question's title, which starts with the product code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from .. import problems as pb
from .. import sheet
from ..catalogue import Catalogue
from ..config import Config
from ..questions import clean, product_code, question_title
from ..values import fold, hour, long_date, long_datetime, money, number

TEXT, PARAGRAPH, MENU, SECTION = "text", "paragraph", "menu", "section"

# The household's questions: their titles are the response tab's column names (sheet.RESPONSES).
FIELDS = ("Nom", "Prénom", "Téléphone", "Commentaire")


@dataclass(frozen=True)
class FormItem:
    """One item of the form. ``key`` matches it with the item already in the form that it replaces:
    ``field:nom``, ``product:PAIN1``, ``section:<title>``."""

    key: str
    kind: str  # TEXT, PARAGRAPH, MENU or SECTION
    title: str
    description: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    product: str | None = None  # the product code of a MENU
    producer: str | None = None

    @property
    def is_question(self) -> bool:
        return self.kind != SECTION

    def api(self) -> dict:
        """The item as the Forms API takes it (``Item``), without ids."""
        item: dict = {"title": self.title}
        if self.description:
            item["description"] = self.description
        if self.kind == SECTION:
            item["pageBreakItem"] = {}
            return item
        question: dict = {"required": self.required}
        if self.kind == MENU:
            question["choiceQuestion"] = {"type": "DROP_DOWN", "options": [{"value": c} for c in self.choices]}
        else:
            question["textQuestion"] = {"paragraph": True} if self.kind == PARAGRAPH else {}
        item["questionItem"] = {"question": question}
        return item


@dataclass(frozen=True)
class Omitted:
    """A product of the catalogue that the form leaves out, and why (French)."""

    code: str
    name: str
    reason: str


@dataclass
class FormPlan:
    sale: str
    title: str
    description: str
    items: list[FormItem]
    omitted: list[Omitted] = field(default_factory=list)
    problems: list[pb.Problem] = field(default_factory=list)
    known_codes: frozenset[str] = frozenset()  # every product code of the catalogue
    catalogue_errors: int = 0  # errors found in the catalogue tabs (some products may be missing)

    @property
    def info(self) -> dict:
        return {"title": self.title, "description": self.description}

    @property
    def products(self) -> list[FormItem]:
        return [item for item in self.items if item.kind == MENU]

    @property
    def producers(self) -> int:
        return len({item.producer for item in self.products})


def build_form(catalogue: Catalogue, sale_code: str, config: Config) -> FormPlan:
    """The form of one sale. The sale must exist in ``catalogue.sales`` (the caller says so if not)."""
    sale = catalogue.sale(sale_code)
    if sale is None:
        raise KeyError(sale_code)
    offered = catalogue.offered(sale_code)
    known = frozenset(catalogue.products["code"])
    errors = sum(p.severity == pb.ERROR and p.tab in (sheet.PRODUCTS.name, sheet.PRODUCERS.name)
                 for p in catalogue.problems)
    plan = FormPlan(sale_code, form_title(sale, config), "", [], known_codes=known, catalogue_errors=errors)
    plan.omitted = _left_out(catalogue, sale_code, offered)

    items = [
        FormItem("field:nom", TEXT, "Nom", required=True),
        FormItem("field:prenom", TEXT, "Prénom", required=True),
        FormItem("field:telephone", TEXT, "Téléphone",
                 "Pour vous joindre le jour de la distribution en cas d'imprévu."),
    ]
    limit = min(config.forms.max_choices, config.orders.max_quantity)
    any_limited = any_by_weight = False
    for producer in catalogue.producers.itertuples():
        products = offered[offered["producer"] == producer.code]
        questions = []
        for product in products.itertuples():
            question = _product_question(product, limit, known, plan, sale_code)
            if question is not None:
                questions.append(question)
                any_limited |= product.stock is not None
                any_by_weight |= bool(product.by_weight)
        if questions:
            title = clean(producer.name) or producer.code
            items.append(FormItem(f"section:{fold(title)}", SECTION, title, _payments(producer),
                                  producer=producer.code))
            items.extend(questions)
    items.append(FormItem("section:pour finir", SECTION, "Pour finir",
                          "Vérifiez votre commande (bouton « Retour »), puis envoyez-la : vous recevrez "
                          "une confirmation par e-mail."))
    items.append(FormItem("field:commentaire", PARAGRAPH, "Commentaire",
                          "Une précision, une heure de passage, une question…"))
    plan.items = items
    plan.description = form_description(sale, config, any_limited, any_by_weight)
    return plan


def form_title(sale: pd.Series, config: Config) -> str:
    return f"{sale['title']} — {config.group.name}"


def form_description(sale: pd.Series, config: Config, limited: bool = True, by_weight: bool = True) -> str:
    tz = config.tz
    opens, closes = sale["opens"].astimezone(tz), sale["closes"].astimezone(tz)
    lines = [f"Commandes du {long_datetime(opens)} au {long_datetime(closes)}.",
             f"Distribution {_distribution(sale, tz)}, {sale['place']}."]
    if sale["message"]:
        lines += ["", sale["message"]]
    lines += ["", "Choisissez une quantité pour chaque produit voulu et laissez les autres vides. "
              "Pour modifier votre commande, renvoyez le formulaire en entier : seule votre dernière "
              "réponse compte."]
    if limited:
        lines.append("« (limité) » : quantité limitée pour toute la vente ; si les commandes la dépassent, "
                     "certaines seront réduites.")
    if by_weight:
        lines.append("Produits vendus au poids : le prix affiché est une estimation, vous paierez le poids réel.")
    return "\n".join(lines)


def _distribution(sale: pd.Series, tz) -> str:
    start = sale["distribution"].astimezone(tz)
    end = sale["distribution_end"].astimezone(tz) if sale["distribution_end"] is not None else None
    if end is not None and end.date() == start.date() and end > start:
        return f"le {long_date(start)} de {hour(start)} à {hour(end)}"
    return f"le {long_datetime(start)}"


def _payments(producer) -> str:
    payments = producer.payments or ""
    if not payments:
        return ""
    text = f"Paiement : {payments}"
    if producer.cheque_payee and "cheque" in fold(payments):
        text += f" (chèques à l'ordre de « {producer.cheque_payee} »)"
    return text + "."


def _product_question(product, limit: int, known: frozenset[str], plan: FormPlan, sale: str) -> FormItem | None:
    most = limit if product.stock is None else min(limit, product.stock)
    if most < 1:
        plan.omitted.append(Omitted(product.code, product.name, "stock à 0 pour cette vente"))
        return None
    title = question_title(product.code, product.name, product.packaging, product.price, bool(product.by_weight),
                           product.avg_weight, limited=product.stock is not None)
    if product_code(title) != product.code or product_code(title, known) != product.code:
        plan.problems.append(pb.error(
            sheet.PRODUCTS.name, product.row, "Code",
            "ce code ne peut pas être relu dans les réponses du formulaire (il contient une espace ou un "
            "signe comme · : ( ) [ ] « ») : le produit est laissé hors du formulaire ; donnez-lui un code "
            "fait de lettres, de chiffres et de tirets", product.code, sale))
        plan.omitted.append(Omitted(product.code, product.name, "code illisible dans les réponses"))
        return None
    return FormItem(f"product:{product.code}", MENU, title, _product_description(product),
                    choices=tuple(str(n) for n in range(most + 1)), product=product.code, producer=product.producer)


def _product_description(product) -> str:
    lines = []
    if product.by_weight and product.avg_weight:
        estimate = money(Decimal(product.price) * Decimal(product.avg_weight))
        lines.append(f"Vendu au poids : environ {number(product.avg_weight)} kg, environ {estimate} ; "
                     f"vous paierez le poids réel ({money(product.price)}/kg).")
    if product.stock is not None:
        lines.append(f"Quantité limitée : {product.stock} pour toute la vente.")
    if product.description:
        lines.append(clean(product.description))
    return "\n".join(lines)


def _left_out(catalogue: Catalogue, sale: str, offered: pd.DataFrame) -> list[Omitted]:
    """Each product of the catalogue that is not offered in this sale, with the reason."""
    in_sale = set(offered["code"])
    active_producers = set(catalogue.producers.loc[catalogue.producers["active"].astype(bool), "code"])
    omitted = []
    for product in catalogue.products.itertuples():
        if product.code in in_sale:
            continue
        if not product.active:
            reason = "inactif"
        elif product.producer not in active_producers:
            reason = "producteur inactif"
        else:
            reason = "pas dans cette vente (colonne Ventes)"
        omitted.append(Omitted(product.code, product.name, reason))
    return omitted
