"""Paniers: monthly order-and-collect sales for a farmers' collective.

The package reads as the pipeline: ``config`` and ``sheet`` (the contract), ``stores`` (where the
workbook lives), ``catalogue`` and ``orders`` (the pure core), then lists, mail and schedule.
"""

__version__ = "0.1.0"
