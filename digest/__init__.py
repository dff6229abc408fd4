"""digest: a static-site generator for annotated news digests.

The package is laid out by pipeline stage, each folder importing only the
ones before it: ``text`` (quotes, names, dates, languages) -> ``source``
(load: files into memory) -> ``graph`` (validate and link) -> ``views`` (what
pages read from the graph) -> ``render`` (pages as bytes) -> ``search`` ->
``pipeline`` (build, write, sessions, check) -> ``live`` (watch, serve) and
``authoring`` (init, new, import, schema); ``cli`` drives them.
"""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE = Path(__file__).parent
"""The package folder: its data (locales, starter, a wheel's theme) is found from here."""
