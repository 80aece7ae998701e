"""Every interface text of the communicators' pages has a Dutch translation (in the desk's one
catalogue) that keeps its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from babel.messages.extract import extract_from_dir

TEXTS_DIR = Path(__file__).resolve().parents[2] / "desk" / "texts"
CATALOGUE = TEXTS_DIR.parent / "locales" / "nl" / "LC_MESSAGES" / "desk.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _msgids() -> set[str]:
    found = extract_from_dir(
        str(TEXTS_DIR),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords={"_": None, "N_": None, "gettext": None},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_every_interface_text_has_a_dutch_translation_with_its_placeholders() -> None:
    msgids = _msgids()
    assert len(msgids) > 50  # the extraction found the pages' texts
    translated = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE)) if e.msgstr}
    assert sorted(msgids - set(translated)) == []
    for msgid, msgstr in translated.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
