"""The words people read for the words the code uses: stages, statuses, kinds and channels.

The database and the flows speak in internal words (`open`, `phone_1`, `home_visit`,
`undelivered`, `menu_call`); a caseworker should never have to learn them. Each group below
maps such a word to an English msgid of the desk catalogue (Dutch in desk.po), and `label`
translates it in the page's language. A word no group knows yet (a step a municipality added
to its ladder, a status a new channel brings) is shown readably instead of failing the page:
"phone_3" becomes "Phone call (3)" when "phone" is known, otherwise "Phone 3".

Templates call `label(group, word)` and `language_name(code)` (Jinja globals, see
desk/templating.py); Python code calls `translate(gettext, group, word)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from babel import Locale, UnknownLocaleError
from jinja2 import pass_context


def N_(message: str) -> str:
    """Marks a msgid for `python -m desk.build update`; translated when shown."""
    return message


CASE_STATES: Final = {
    "open": N_("Ongoing"),
    "closed": N_("Closed"),
    "address_unknown": N_("Waiting for an address"),
    "merged": N_("Merged into another case"),
}

# The flow's own stages (flows/state.py) and the steps of the shipped ladders
# (flows/ladders.toml); a case's `stage` is one of these.
STAGES: Final = {
    "new": N_("Waiting for the first contact"),
    "ask_daypart": N_("Asked when we may call"),
    "callback": N_("Call back planned"),
    "in_contact": N_("In contact, result still to record"),
    "stopped": N_("Stopped: the resident opted out"),
    "closed": N_("Ended"),
    "first_contact": N_("First message"),
    "wait_first": N_("Waiting for a reply to the first message"),
    "reminder": N_("Reminder"),
    "wait_reminder": N_("Waiting for a reply to the reminder"),
    "phone": N_("Phone call"),
    "phone_1": N_("First phone call"),
    "phone_2": N_("Second phone call"),
    "home_visit": N_("Home visit"),
    "wait_card": N_("Waiting after the card left behind"),
    "no_contact": N_("Closed: no contact"),
    "letter": N_("Letter"),
    "wait_letter": N_("Waiting for a reply to the letter"),
    "welcome_back": N_("Welcome-back message"),
    "wait_welcome_back": N_("Waiting for a reply to the welcome-back message"),
    "closed_again": N_("Closed again"),
}

TASK_KINDS: Final = {
    "phone": N_("Phone call"),
    "callback": N_("Call back"),
    "home_visit": N_("Home visit"),
    "review": N_("Review"),
}

TASK_STATUSES: Final = {
    "open": N_("Not claimed yet"),
    "claimed": N_("Claimed"),
    "done": N_("Done"),
    "cancelled": N_("No longer needed"),
}

TASK_REASONS: Final = {
    "ladder": N_("next step"),
    "callback": N_("the resident asked for a call"),
    "not_understood": N_("reply not understood"),
    "opt_out": N_("opted out (STOP)"),
    "needs_result": N_("record the end result"),
    "address_unknown": N_("address unknown"),
}

# An outbox row's status (README: CONTRACT additions).
MESSAGE_STATUSES: Final = {
    "pending": N_("Waiting to be sent"),
    "sending": N_("Being sent"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "read": N_("Read"),
    "undelivered": N_("Not delivered"),
    "held": N_("Held back: opted out"),
    "withdrawn": N_("Not sent: a reply came first"),
    "failed": N_("Failed"),
    "error": N_("Not sent: error"),
    # WhatsApp could not take it; the message went by SMS (casework/reroute.py).
    "rerouted": N_("Sent by SMS instead"),
}

# A letter uses the same column, meaning its print batch (casework/letters.py STATUS_OF).
LETTER_STATUSES: Final = {
    **MESSAGE_STATUSES,
    "pending": N_("Waiting for a print batch"),
    "sent": N_("In a print batch"),
    "delivered": N_("Posted"),
}

CHANNELS: Final = {
    "sms": N_("SMS"),
    "telegram": N_("Telegram"),
    "whatsapp": N_("WhatsApp"),
    "letter": N_("Letter"),
    "email": N_("E-mail"),
}

# What a resident's reply meant (flows.intents.IntentKind).
INTENTS: Final = {
    "menu_call": N_("Wants to be called"),
    "menu_no_thanks": N_("No thanks"),
    "menu_arranged": N_("Already arranged it"),
    "daypart": N_("Gave a part of the day"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "stop": N_("STOP: no more messages"),
    "start": N_("START: messages again"),
    "help": N_("Asked for information"),
    "language": N_("Chose a language"),
    "unknown": N_("Not understood"),
}

# DDAS EnumDagdeel: Dutch codes; the catalogue has their English words.
DAYPARTS: Final = {"Ochtend": N_("Ochtend"), "Middag": N_("Middag"), "Avond": N_("Avond")}

PATTERNS: Final = {
    "enkelvoudig": N_("Single"),
    "meervoudig": N_("Multiple partners"),
    "opeenvolgend": N_("Repeated"),
}

TIMELINE: Final = {
    "out": N_("sent"),
    "in": N_("received"),
    "attempt": N_("contact attempt"),
    "task": N_("task"),
}

CAPACITY: Final = {"phone_calls": N_("Phone calls"), "home_visits": N_("Home visits")}

BATCH_STATUSES: Final = {
    "open": N_("Ready to print"),
    "posted": N_("Posted"),
    "cancelled": N_("Cancelled"),
}

AUDIT_ACTIONS: Final = {
    "login": N_("Logged in"),
    "logout": N_("Logged out"),
    "account.language": N_("Changed the interface language"),
    "case.view": N_("Viewed a case"),
    "case.address": N_("Completed an address"),
    "case.attempt": N_("Recorded a contact attempt"),
    "case.card": N_("Printed a card"),
    "case.chat_offer": N_("Offered the chat"),
    "case.send": N_("Sent a text"),
    "task.claim": N_("Claimed a task"),
    "task.unclaim": N_("Gave a task back"),
    "task.complete": N_("Recorded a task's outcome"),
    "task.snooze": N_("Moved a task to later"),
    "post.batch": N_("Made a print batch"),
    "post.download": N_("Downloaded a print batch"),
    "post.confirm": N_("Confirmed a batch as posted"),
    "post.cancel": N_("Cancelled a print batch"),
    "text.draft": N_("Saved a draft text"),
    "text.publish": N_("Published a text"),
    "text.reject": N_("Rejected a draft text"),
    "user.add": N_("Added a user"),
}

GROUPS: Final[Mapping[str, Mapping[str, str]]] = {
    "case_state": CASE_STATES,
    "stage": STAGES,
    "task_kind": TASK_KINDS,
    "task_status": TASK_STATUSES,
    "task_reason": TASK_REASONS,
    "message_status": MESSAGE_STATUSES,
    "letter_status": LETTER_STATUSES,
    "channel": CHANNELS,
    "intent": INTENTS,
    "daypart": DAYPARTS,
    "pattern": PATTERNS,
    "timeline": TIMELINE,
    "capacity": CAPACITY,
    "batch_status": BATCH_STATUSES,
    "audit_action": AUDIT_ACTIONS,
}

_NUMBERED = re.compile(r"^(?P<base>.+?)_?(?P<n>\d+)$")
NOTHING = "—"


def readable(word: str) -> str:
    """An unknown internal word as words: "wait_extra.day" -> "Wait extra day"."""
    words = " ".join(re.split(r"[_.\-\s]+", word)).strip()
    return words[:1].upper() + words[1:] if words else NOTHING


def translate(gettext: Callable[[str], str], group: str, word: str | None) -> str:
    """`word` of `group` in the language of `gettext`; never the internal word itself."""
    if not word:
        return NOTHING
    known = GROUPS.get(group, {})
    if word in known:
        return gettext(known[word])
    numbered = _NUMBERED.match(word)
    if numbered and numbered["base"] in known:  # a ladder's extra step: "phone_3"
        return f"{gettext(known[numbered['base']])} ({numbered['n']})"
    return readable(word)


def language_name(code: str | None, interface_locale: str) -> str:
    """A resident's language code ("tr") as its name in the interface language ("Turks")."""
    if not code:
        return NOTHING
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(interface_locale)
    except (ValueError, UnknownLocaleError):
        name = None
    return (name[:1].upper() + name[1:]) if name else code


@pass_context
def label_global(context: Any, group: str, word: str | None) -> str:
    """Jinja global `label(group, word)`: translated with the page's own `_`."""
    return translate(context["_"], group, word)


@pass_context
def language_global(context: Any, code: str | None) -> str:
    """Jinja global `language_name(code)`, in the page's language."""
    return language_name(code, context.get("locale") or "nl")
