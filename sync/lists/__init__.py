"""Order lists and printable documents: per producer, per household, and the distribution sheet.

The pure part (tables, the Émargement tab, weighings) works on the order book (``sync/orderbook.py``),
the catalogue and a sale code; ``render`` and ``documents`` turn it into PDFs, spreadsheets and files.
The documents, the PDF library and the API: ``docs/dev/lists.md``.
"""

from .documents import write_documents
from .render import (
    Document,
    DocumentError,
    collection_pdf,
    coordinator_documents,
    household_pdf,
    producer_documents,
    producer_pdf,
    producer_spreadsheet,
    sign_off_pdf,
    statements_pdf,
)
from .sign_off import sign_off_frame, sign_off_grid
from .tables import (
    ProducerList,
    Statement,
    collection_sheet,
    household_statement,
    households_in_sale,
    producer_list,
    producers_in_sale,
    sale_lines,
)
from .weighings import apply_weights, changed_amounts, rows_to_weigh

__all__ = [
    "Document", "DocumentError", "ProducerList", "Statement", "apply_weights", "changed_amounts",
    "collection_pdf", "collection_sheet", "coordinator_documents", "household_pdf", "household_statement",
    "households_in_sale", "producer_documents", "producer_list", "producer_pdf", "producer_spreadsheet",
    "producers_in_sale", "rows_to_weigh", "sale_lines", "sign_off_frame", "sign_off_grid", "sign_off_pdf",
    "statements_pdf", "write_documents",
]
