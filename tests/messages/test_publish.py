"""Publishing an approved text: one entry changed in place or in the municipality's override,
atomically, compiled, and used at once by this process and by other processes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

import polib
import pytest

from messages import build, catalog, publish, render, render_detail
from messages.publish import PublishError


class City(TypedDict):
    gemeente: str
    telefoon: str


CITY: City = {"gemeente": "Utrecht", "telefoon": "14 030"}
SHIPPED = catalog.DEFAULT_LOCALES_DIR
NEW_START = "Gemeente {gemeente}: Fijn dat u er weer bent. Vragen? Bel {telefoon}."


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*.po"))
    }


@pytest.fixture(autouse=True)
def _shipped_catalogues_untouched() -> Iterator[None]:
    before = _digest(SHIPPED)
    yield
    assert _digest(SHIPPED) == before, "a test wrote into the repository's catalogues"


@pytest.fixture
def copy(locales: Path) -> Path:
    """A compiled copy of the shipped catalogues, used as the catalogue directory."""
    build.compile_all(locales)
    catalog.configure(locales_dir=locales)
    return locales


def _entries(path: Path) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(path)) if e.msgctxt]


def test_a_published_text_is_sent_at_once_and_nothing_else_changes(copy: Path) -> None:
    path = catalog.po_path(copy, "nl")
    old = _entries(path)
    assert render("sms.start", "nl", **CITY) != "Gemeente Utrecht: Fijn dat u er weer bent."

    done = publish.publish("sms.start", "nl", [NEW_START])

    assert done.path == path
    assert done.before == (next(e.msgstr for e in old if e.msgctxt == "sms.start"),)
    assert render("sms.start", "nl", **CITY) == (
        "Gemeente Utrecht: Fijn dat u er weer bent. Vragen? Bel 14 030."
    )
    new = _entries(path)
    # Same keys in the same order; every other entry byte for byte the same; the edited one
    # keeps its translator comment and flags.
    assert [e.msgctxt for e in new] == [e.msgctxt for e in old]
    for before, after in zip(old, new, strict=True):
        if before.msgctxt == "sms.start":
            assert after.comment == before.comment and after.flags == before.flags
            assert after.msgstr == NEW_START
        else:
            assert str(after) == str(before)
    # The compiled catalogue holds the new text too (what a process without the .po reads).
    mo = polib.mofile(str(catalog.mo_path(copy, "nl")))
    assert next(e.msgstr for e in mo if e.msgctxt == "sms.start") == NEW_START
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".zaadje.")]
    # Both files can be read by workers running as another user.
    for written in (path, catalog.mo_path(copy, "nl")):
        assert written.stat().st_mode & 0o777 == 0o644, written


def test_another_process_publishing_is_noticed_without_a_restart(copy: Path) -> None:
    before = render("sms.start", "nl", **CITY)  # cached in this process now
    code = (
        "import sys; from messages import catalog, publish;"
        f" catalog.configure(locales_dir={str(copy)!r});"
        f" publish.publish('sms.start', 'nl', [{NEW_START!r}])"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    after = render("sms.start", "nl", **CITY)
    assert after != before
    assert after == "Gemeente Utrecht: Fijn dat u er weer bent. Vragen? Bel 14 030."


def test_an_approved_translation_is_no_longer_waiting_for_review(copy: Path) -> None:
    entry = next(e for e in _entries(catalog.po_path(copy, "tr")) if e.msgctxt == "sms.start")
    assert "fuzzy" in entry.flags
    assert render_detail("sms.start", "tr", **CITY).locale == "nl"  # residents get Dutch now

    text = "{gemeente} Belediyesi: Yine mesaj alacaksınız. Soru? Arayın: {telefoon}"
    publish.publish("sms.start", "tr", [text])

    entry = next(e for e in _entries(catalog.po_path(copy, "tr")) if e.msgctxt == "sms.start")
    assert "fuzzy" not in entry.flags and "python-brace-format" in entry.flags
    assert entry.previous_msgid is None
    shown = render_detail("sms.start", "tr", **CITY)
    assert shown.locale == "tr"
    assert shown.text == "Utrecht Belediyesi: Yine mesaj alacaksınız. Soru? Arayın: 14 030"


def test_with_an_override_dir_the_shipped_catalogue_stays_as_released(
    copy: Path, tmp_path: Path
) -> None:
    override = tmp_path / "gemeente"
    catalog.configure(override_dir=override)
    shipped = _digest(copy)
    assert publish.target_dir() == override

    publish.publish("sms.start", "nl", [NEW_START])
    publish.publish("sms.help", "nl", ["Gemeente {gemeente}: Dit bericht is echt. Bel {telefoon}."])

    assert _digest(copy) == shipped
    entries = {e.msgctxt: e for e in _entries(catalog.po_path(override, "nl"))}
    assert list(entries) == ["sms.start", "sms.help"]
    shipped_entry = next(
        e for e in _entries(catalog.po_path(copy, "nl")) if e.msgctxt == "sms.start"
    )
    assert entries["sms.start"].comment == shipped_entry.comment
    assert entries["sms.start"].flags == ["python-brace-format"]
    po = polib.pofile(str(catalog.po_path(override, "nl")))
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert render("sms.start", "nl", **CITY).startswith("Gemeente Utrecht: Fijn dat u")
    assert render("sms.help", "nl", **CITY) == "Gemeente Utrecht: Dit bericht is echt. Bel 14 030."
    # Texts nobody published still come from the shipped catalogue.
    assert render("sms.menu", "nl", **CITY) == render_detail("sms.menu", "nl", **CITY).text
    assert publish.current("sms.start", "nl").origin == "override"
    assert publish.current("sms.menu", "nl").origin == "catalogue"


def test_plural_texts_take_every_form_of_the_language(copy: Path) -> None:
    forms = [
        "Gmina {gemeente}: Nie odebrano. Zadzwonimy za {n} dzień. Tel: {telefoon}",
        "Gmina {gemeente}: Nie odebrano. Zadzwonimy za {n} dni. Tel: {telefoon}",
        "Gmina {gemeente}: Nie odebrano. Zadzwonimy za {n} dni. Tel: {telefoon}.",
    ]
    with pytest.raises(PublishError, match="needs 3 forms in pl, got 2"):
        publish.publish("sms.after_missed_call", "pl", forms[:2])

    publish.publish("sms.after_missed_call", "pl", forms)

    assert publish.current("sms.after_missed_call", "pl").forms == tuple(forms)
    few = render_detail("sms.after_missed_call", "pl", n=3, **CITY)
    many = render("sms.after_missed_call", "pl", n=5, **CITY)
    assert (few.locale, few.text) == (
        "pl",
        "Gmina Utrecht: Nie odebrano. Zadzwonimy za 3 dni. Tel: 14 030",
    )
    assert many == "Gmina Utrecht: Nie odebrano. Zadzwonimy za 5 dni. Tel: 14 030."


@pytest.mark.parametrize(
    ("key", "locale", "forms", "message"),
    [
        ("sms.nope", "nl", ["x"], "unknown message key 'sms.nope'"),
        ("sms.start", "xx", ["x"], "unknown language 'xx'"),
        ("sms.start", "nl", [" "], "a text cannot be empty"),
        ("sms.start", "nl", ["a", "b"], "needs 1 form in nl, got 2"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    copy: Path, key: str, locale: str, forms: list[str], message: str
) -> None:
    before = _digest(copy)
    with pytest.raises(PublishError, match=message):
        publish.publish(key, locale, forms)
    assert _digest(copy) == before


def test_concurrent_publications_to_one_catalogue_lose_nothing(copy: Path) -> None:
    keys = ["sms.start", "sms.help", "sms.menu", "sms.no_thanks"]
    texts = {
        "sms.start": "Gemeente {gemeente}: Welkom terug. Bel {telefoon}.",
        "sms.help": "Gemeente {gemeente}: Dit is echt van ons. Bel {telefoon}.",
        "sms.menu": "Gemeente {gemeente}: Stuur 1, 2 of 3.",
        "sms.no_thanks": "Gemeente {gemeente}: Dank u. Bel ons als u wilt: {telefoon}.",
    }
    errors: list[BaseException] = []

    def work(key: str) -> None:
        try:
            for i in range(3):
                # the last round leaves the final text; earlier rounds a numbered one
                publish.publish(key, "nl", [texts[key] if i == 2 else f"{texts[key]} ({i})"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for key in keys:
        assert publish.current(key, "nl").forms == (texts[key],)
    assert os.path.getmtime(catalog.mo_path(copy, "nl")) >= os.path.getmtime(
        catalog.po_path(copy, "nl")
    )


def test_publishing_fails_cleanly_where_the_catalogue_cannot_be_written(
    copy: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the override folder should be")
    catalog.configure(override_dir=blocker)
    with pytest.raises(OSError):
        publish.publish("sms.start", "nl", [NEW_START])
    catalog.configure(override_dir="")
    assert render("sms.start", "nl", **CITY) != "Gemeente Utrecht: Fijn dat u er weer bent."


def test_a_reader_never_sees_half_a_catalogue_while_texts_are_published(copy: Path) -> None:
    path = catalog.po_path(copy, "nl")
    expected = len(_entries(path))
    stop = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(len(_entries(path)))
            except (OSError, ValueError) as exc:  # a torn file does not parse
                problems.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(20):
            publish.publish("sms.start", "nl", [f"{NEW_START} ({i})"])
    finally:
        stop.set()
        reader.join()
    assert problems == []
    assert seen and set(seen) == {expected}
