"""All the documents of a sale, written to a folder for printing by hand (``paniers lists``)."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from ..catalogue import Catalogue
from ..config import Config
from ..orderbook import OrderBook
from . import render, tables
from .render import Document


def documents(book: OrderBook, catalogue: Catalogue, sale_code: str, config: Config | None = None,
              now: datetime | None = None) -> list[Document]:
    """Every document of a sale: the sign-off sheet, the households' statements, and for each producer
    with orders their list (PDF and spreadsheet) and collection sheet. Nothing when nobody ordered."""
    if not tables.households_in_sale(book, sale_code):
        return []
    docs = [render.sign_off_pdf(book, catalogue, sale_code, config, now),
            render.statements_pdf(book, catalogue, sale_code, config=config, now=now)]
    for code in tables.producers_in_sale(book, catalogue, sale_code):
        docs += render.producer_documents(book, catalogue, sale_code, code, config, now)
    return _unique(docs)


def _unique(docs: list[Document]) -> list[Document]:
    """Two farms whose names give the same file name keep both files (« -2 » added)."""
    seen: dict[str, int] = {}
    out = []
    for doc in docs:
        name = doc.filename
        if name in seen:
            seen[name] += 1
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}-{seen[doc.filename]}.{ext}" if dot else f"{name}-{seen[doc.filename]}"
        else:
            seen[name] = 1
        out.append(Document(name, doc.content, doc.mimetype))
    return out


def write_documents(book: OrderBook, catalogue: Catalogue, sale_code: str, folder: Path, config: Config | None = None,
                    now: datetime | None = None) -> list[Path]:
    """Write every document of a sale into ``folder`` (created if needed) and return the paths written.
    Each file is written whole or not at all (a temporary file renamed), so a file open in a PDF
    reader is never left half-written; files of other sales in the folder are left alone."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in documents(book, catalogue, sale_code, config, now):
        path = folder / doc.filename
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(doc.content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(path)
    return paths
