"""The group's public website, built from the sheet: ``paniers site``, and ``tick`` when ``[site] folder`` is set.

``content`` turns the catalogue, the sales calendar, ``[site]`` and ``now`` into what the pages show (plain
French strings, nothing about households: it never sees the order book); ``render`` lays that out as HTML, CSS
and a calendar feed; ``photos`` copies and scales the product photos; ``output`` writes only the files whose bytes
differ. The content is also the fingerprint ``tick`` compares to decide whether to rebuild (a few milliseconds).
More in ``docs/dev/site.md``.
"""
