"""Catalogue texts as WhatsApp templates: `{gemeente}` becomes `{{1}}`, in order of first use.

A business may start a WhatsApp conversation only with a template WhatsApp approved in
advance; its variables are numbered. The template is the reviewed catalogue text of one key in
one language, so the numbering and the values filled in at send time both come from that text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from messages import catalog
from messages.keys import KEYS_BY_NAME
from messages.render import MessageError, _convert, field_names

# WhatsApp's own limit for a template body (Twilio error 63021 above it).
MAX_TEMPLATE_BODY = 1024
# The texts a business sends unprompted (outside the resident's 24-hour window): each needs
# an approved template per language. Replies inside the window go as free text. Decision:
# `sms.after_missed_call` chooses its words by a count (plural forms), which a template cannot;
# it goes as free text inside the window and by SMS outside it.
TEMPLATE_KEYS: tuple[str, ...] = (
    "sms.first_contact",
    "sms.reminder",
    "sms.home_visit_announce",
    "sms.welcome_back",
)


@dataclass(frozen=True)
class TemplateText:
    key: str
    locale: str
    body: str  # with {{1}}, {{2}}, …
    names: tuple[str, ...]  # our placeholder behind each number, in order


def template_text(key: str, locale: str) -> TemplateText | None:
    """The reviewed text of `key` in exactly `locale` as a template; None when there is none
    (not reviewed in that language, a plural text, or not a text for residents' phones)."""
    spec = KEYS_BY_NAME.get(key)
    if spec is None or spec.plural or spec.kind != "sms":
        return None
    found = catalog.lookup(key, locale, locales_dir=None, draft=False)
    if found is None or not isinstance(found[0], str):
        return None
    text = found[0]
    names: list[str] = []
    for name in field_names(text):
        if name not in names:
            names.append(name)
    numbered = {name: "{{" + str(i + 1) + "}}" for i, name in enumerate(names)}
    return TemplateText(key, locale, text.format_map(numbered), tuple(names))


def template_variables(template: TemplateText, values: Mapping[str, object]) -> dict[str, str]:
    """The values for a template's numbered variables, shown as the text shows them."""
    variables: dict[str, str] = {}
    for number, name in enumerate(template.names, start=1):
        if name not in values:
            raise MessageError(f"{template.key} needs a value for {{{name}}}")
        shown = _convert(name, values[name], template.locale)
        if shown is None:
            raise MessageError(f"{template.key}: no word for {{{name}}} in {template.locale}")
        variables[str(number)] = shown
    return variables


def too_long(template: TemplateText) -> bool:
    return len(template.body) > MAX_TEMPLATE_BODY
