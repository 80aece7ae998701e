"""Interface texts of the desk: extract them and update the catalogues.

    python -m desk.build update   # extract from desk/ and merge into every desk.po
    python -m desk.build check    # exit 1 when a core text has no Dutch translation

The catalogues are compiled in memory when the desk starts (desk/i18n.py): no .mo files.
Texts chosen at run time (roles, flash messages passed through the query string) are listed
in DYNAMIC, since no extractor can find `_(user.role)`; the words for stages, statuses and
kinds are in desk/labels.py, marked with `N_`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from desk.i18n import LOCALES, LOCALES_DIR

DESK_DIR = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
# The core and its parts (texts/, monitor/) share one catalogue.
METHODS = [
    ("**/templates/**.html", "jinja2"),
    ("templates/**.html", "jinja2"),
    ("**.py", "python"),
]
DYNAMIC = (
    "caseworker",
    "communicator",
    "coordinator",
    "admin",
    "No letters are waiting.",
    "You claimed the task.",
    "The task is back in the queue.",
    "The attempt is recorded.",
    "The task is moved to a later slot.",
    "The text is in the outbox; it goes out within contact hours.",
    "This text was sent already (the form was posted twice).",
    "The chat code goes out by SMS within contact hours.",
    "The contact attempt is recorded.",
    "The address is recorded; the signals are now handled as any other.",
)


def extract() -> Catalog:
    """Every interface text of the desk core (templates, Python) plus DYNAMIC."""
    catalog = Catalog(project="Zaadje desk", domain="desk")
    for _, _, message, _, _ in extract_from_dir(
        DESK_DIR,
        method_map=METHODS,
        options_map={
            "**/templates/**.html": {"extensions": "jinja2.ext.i18n"},
            "templates/**.html": {"extensions": "jinja2.ext.i18n"},
        },
        keywords=KEYWORDS,
    ):
        catalog.add(message)
    for message in DYNAMIC:
        catalog.add(message)
    return catalog


def po_path(locale: str) -> Path:
    return LOCALES_DIR / locale / "LC_MESSAGES" / "desk.po"


def read(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain="desk")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain="desk")


def update() -> list[Path]:
    template = extract()
    written = []
    for locale in LOCALES:
        catalog = read(locale)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100, ignore_obsolete=True)
        written.append(path)
    return written


def missing_dutch() -> list[str]:
    dutch = read("nl")
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = dutch.get(message.id)
        strings = found.string if found is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(forms):
            missing.append(str(message.id))
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    command = (list(argv if argv is not None else sys.argv[1:]) or ["check"])[0]
    if command == "update":
        for path in update():
            print(f"updated {path}")
        return 0
    if command == "check":
        missing = missing_dutch()
        for message in missing:
            print(f"no Dutch for: {message!r}")
        return 1 if missing else 0
    print("usage: python -m desk.build update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
