"""Putting an approved text into effect: one msgstr written into a catalogue, compiled, live.

    publish("sms.first_contact", "nl", ["Gemeente {gemeente}: …"])

Where it goes: a municipality that has an `override_dir` (config `[messages] override_dir`)
gets its published texts there, so the shipped catalogues stay exactly as released (and may
live in a read-only installed package); the override file is created on first use with the
shipped entry's comments and flags. Without an override directory the catalogue in
`locales_dir` is edited in place.

How: the catalogue is read, the one entry is changed (comments, flags and the order of every
other entry stay as they are; an approved translation is no longer fuzzy), written to a
temporary file in the same directory and put in place with `os.replace`, then compiled to `.mo`
the same way. Readers therefore see the old or the new file, never half of one. A lock file
serialises publications of several processes to one directory.

Without a restart: this process forgets its cached catalogues at once; other processes notice
the new file because `messages.catalog` compares the catalogue files' stat (a new file has a new
inode and mtime) whenever it hands out a cached catalogue.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polib

from messages import catalog
from messages.build import WRAP, compile_catalogue, write_atomic
from messages.keys import KEYS_BY_NAME, Key

Origin = Literal["override", "catalogue", "missing"]
LOCK_NAME = ".zaadje-publish.lock"


class PublishError(ValueError):
    """A text cannot be published: unknown key or language, wrong number of forms, no place."""


@dataclass(frozen=True)
class Entry:
    """One key in one language as the catalogues hold it now (fuzzy texts included)."""

    key: str
    locale: str
    forms: tuple[str, ...]  # () when there is no text; several for a plural key
    fuzzy: bool  # needs review: residents get the fallback language meanwhile
    origin: Origin  # where the text comes from
    nplurals: int  # how many forms a plural key needs in this language

    @property
    def text(self) -> str:
        return self.forms[0] if self.forms else ""


@dataclass(frozen=True)
class Published:
    path: Path  # the .po written
    before: tuple[str, ...]  # the text it replaced (as residents could get it from there)
    after: tuple[str, ...]


def target_dir() -> Path:
    """Where published texts are written: the override directory when one is configured."""
    current = catalog.settings()
    return Path(current.override_dir or current.locales_dir)


def known_locales() -> list[str]:
    """The languages a text may be published in: the shipped ones and any found on disk."""
    found = sorted(
        p.parent.parent.name
        for p in Path(catalog.settings().locales_dir).glob(f"*/LC_MESSAGES/{catalog.DOMAIN}.po")
    )
    return list(dict.fromkeys([*catalog.LOCALES, *found]))


def _key(name: str) -> Key:
    key = KEYS_BY_NAME.get(name)
    if key is None:
        raise PublishError(f"unknown message key {name!r}")
    return key


def _locale(locale: str) -> str:
    if locale not in known_locales():
        raise PublishError(f"unknown language {locale!r} (known: {', '.join(known_locales())})")
    return locale


def _load(path: Path) -> polib.POFile | None:
    if not path.exists():
        return None
    return polib.pofile(str(path), wrapwidth=WRAP)


def _entries(po: polib.POFile | None) -> dict[str, polib.POEntry]:
    if po is None:
        return {}
    return {e.msgctxt: e for e in po if e.msgctxt and not e.obsolete}


def _forms(entry: polib.POEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural.get(i, "") for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def _nplurals(po: polib.POFile | None, locale: str) -> int:
    parsed = catalog.parse_plural_forms(po.metadata.get("Plural-Forms", "")) if po else None
    return parsed[0] if parsed else catalog.expected_plural_forms(locale)[0]


def _has_text(entry: polib.POEntry | None) -> bool:
    return entry is not None and any(_forms(entry))


def _entry_state(
    key: str, locale: str, override: polib.POEntry | None, shipped: polib.POEntry | None, n: int
) -> Entry:
    # The override wins where it has a reviewed text, as messages.catalog.lookup does.
    if override is not None and _has_text(override) and "fuzzy" not in override.flags:
        return Entry(key, locale, _forms(override), False, "override", n)
    if shipped is not None and _has_text(shipped):
        return Entry(key, locale, _forms(shipped), "fuzzy" in shipped.flags, "catalogue", n)
    if override is not None and _has_text(override):
        return Entry(key, locale, _forms(override), True, "override", n)
    return Entry(key, locale, (), False, "missing", n)


def catalogue_entries(locale: str) -> dict[str, Entry]:
    """Every key of keys.py in one language as it stands now (one read of each file)."""
    current = catalog.settings()
    shipped_po = _load(catalog.po_path(current.locales_dir, locale))
    override_po = (
        _load(catalog.po_path(current.override_dir, locale)) if current.override_dir else None
    )
    shipped, override = _entries(shipped_po), _entries(override_po)
    n = _nplurals(shipped_po or override_po, locale)
    return {
        name: _entry_state(name, locale, override.get(name), shipped.get(name), n)
        for name in KEYS_BY_NAME
    }


def current(key: str, locale: str) -> Entry:
    """One key in one language as it stands now."""
    _key(key)
    return catalogue_entries(_locale(locale))[key]


# ---------------------------------------------------------------- writing


@contextmanager
def _publication_lock(directory: Path) -> Iterator[None]:
    """One publication at a time per directory, across processes (read-change-write)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _new_catalogue(locale: str, like: polib.POFile | None) -> polib.POFile:
    po = polib.POFile(wrapwidth=WRAP)
    po.header = (
        like.header if like is not None else f"Zaadje: texts for residents ({locale})."
    ) + "\nPublished from the desk; a text here wins over the shipped catalogue."
    nplurals, expr = catalog.expected_plural_forms(locale)
    po.metadata = (
        dict(like.metadata)
        if like is not None
        else {
            "Project-Id-Version": "zaadje",
            "Language": locale,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": f"nplurals={nplurals}; plural={expr};",
        }
    )
    return po


def _new_entry(key: Key, like: polib.POEntry | None, nplurals: int) -> polib.POEntry:
    """A copy of the shipped entry (comments, flags, source text) to publish into."""
    if like is not None:
        return polib.POEntry(
            msgctxt=like.msgctxt,
            msgid=like.msgid,
            msgid_plural=like.msgid_plural,
            msgstr="",
            msgstr_plural={i: "" for i in range(nplurals)} if like.msgid_plural else {},
            comment=like.comment,
            flags=[f for f in like.flags if f != "fuzzy"],
        )
    return polib.POEntry(
        msgctxt=key.name,
        msgid=key.name,
        msgid_plural=f"{key.name} (plural)" if key.plural else "",
        msgstr="",
        msgstr_plural={i: "" for i in range(nplurals)} if key.plural else {},
        comment=key.translator_comment,
        flags=["python-brace-format"] if key.placeholders else [],
    )


def _check_forms(key: Key, locale: str, forms: Sequence[str], nplurals: int) -> tuple[str, ...]:
    wanted = nplurals if key.plural else 1
    if len(forms) != wanted:
        raise PublishError(
            f"{key.name} needs {wanted} form{'s' if wanted != 1 else ''} in {locale},"
            f" got {len(forms)}"
        )
    if not all(form.strip() for form in forms):
        raise PublishError(f"{key.name} in {locale}: a text cannot be empty")
    return tuple(forms)


def _set_text(entry: polib.POEntry, locale: str, forms: tuple[str, ...]) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = dict(enumerate(forms))
    else:
        entry.msgstr = forms[0]
    if locale == catalog.SOURCE_LOCALE:
        # The Dutch catalogue's msgid is the current Dutch text (see messages.build.extract),
        # so translations made from the old one show up as outdated in `messages check`.
        entry.msgid = forms[0]
        if entry.msgid_plural:
            entry.msgid_plural = forms[1] if len(forms) > 1 else forms[0]
    # Approved by a second person: reviewed, so residents get it.
    entry.flags = [f for f in entry.flags if f != "fuzzy"]
    entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None


def publish(
    key: str, locale: str, forms: Sequence[str], *, directory: Path | None = None
) -> Published:
    """Write one approved text into the catalogue, compile it, and make it live everywhere.

    `directory` defaults to target_dir(). Raises PublishError for bad input and OSError when
    the catalogue cannot be written (e.g. a read-only installation without override_dir).
    """
    spec = _key(key)
    _locale(locale)
    target = Path(directory) if directory is not None else target_dir()
    shipped_dir = Path(catalog.settings().locales_dir)
    with _publication_lock(target):
        path = catalog.po_path(target, locale)
        po = _load(path)
        shipped_po = po if target == shipped_dir else _load(catalog.po_path(shipped_dir, locale))
        nplurals = _nplurals(po or shipped_po, locale)
        after = _check_forms(spec, locale, forms, nplurals)
        before = current(key, locale).forms
        if po is None:
            po = _new_catalogue(locale, shipped_po)
        entry = _entries(po).get(key)
        if entry is None:
            entry = _new_entry(spec, _entries(shipped_po).get(key), nplurals)
            po.append(entry)
        _set_text(entry, locale, after)
        write_atomic(path, str(po).encode("utf-8") + b"\n")
        compile_catalogue(locale, target)
    catalog.clear_cache()
    return Published(path, before, after)
