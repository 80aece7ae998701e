"""The single list of resident-facing texts: key, channel kind, placeholders, translator note.

Adding a text means adding a `Key` here, running `make messages` and writing the Dutch in
`messages/locales/nl/LC_MESSAGES/zaadje.po`. The texts themselves live only in the catalogues.

Letters and the card left at the door are `Document`s made of several keys: a subject (card: a
heading), a salutation, a body of paragraphs (separated by one empty line), optionally the
note about our SMS, and the closing. `messages.render_letter(name, ...)` puts them together in
one language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["sms", "chat", "card", "letter", "word"]
# The part of a letter or card a key is; "text" for everything else (SMS, chat, words).
Part = Literal["text", "subject", "salutation", "body", "note", "closing"]
PlaceholderKind = Literal["text", "ltr", "date", "daypart", "count"]

# The words residents may choose for a call-back; each has a `word.dagdeel.<code>` text.
DAYPARTS: tuple[str, ...] = ("ochtend", "middag", "avond")

# Most SMS parts a text may take after filling its placeholders with the longest values.
MAX_SMS_SEGMENTS = 2

# Most characters of a letter's or card's part with the longest values. A letter is one A4 page
# (letterhead and address block take its top third), the card is A6.
MAX_LETTER_CHARACTERS: dict[str, int] = {
    "subject": 70,
    "salutation": 70,
    "body": 1500,
    "note": 200,
    "closing": 120,
}
MAX_CARD_HEADING_CHARACTERS = 50
MAX_CARD_BODY_CHARACTERS = 450


@dataclass(frozen=True)
class Placeholder:
    """A named value callers pass to `render`.

    kind: text (a name; isolated in right-to-left text), ltr (phone number, code, handle: always
    left-to-right), date (a `datetime.date`, formatted by Babel in the resident's language),
    daypart (one of DAYPARTS, translated), count (an int choosing the plural form).
    longest: the longest realistic value, used to count SMS segments.
    typical: an ordinary value, used for readability scores and previews.
    """

    name: str
    kind: PlaceholderKind
    description: str
    longest: str = ""
    typical: str = ""
    max_length: int | None = None


PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in (
        Placeholder(
            "gemeente",
            "text",
            "the municipality's name as residents know it, e.g. Utrecht",
            longest="Hardinxveld-Giessendam",
            typical="Utrecht",
            max_length=22,
        ),
        Placeholder(
            "telefoon",
            "ltr",
            "the municipality's public phone number, e.g. 14 030",
            longest="(0180) 45 10 00",
            typical="14 030",
            max_length=15,
        ),
        Placeholder(
            "code",
            "ltr",
            "the code the resident sends to the chat bot, two groups of five, e.g. K7M4Q 2XP9A",
            longest="K7M4Q 2XP9A",
            typical="K7M4Q 2XP9A",
            max_length=11,
        ),
        Placeholder(
            "bot",
            "ltr",
            "the Telegram name of the municipality's chat bot, e.g. @UtrechtHelptBot",
            longest="@HardinxveldGiessendamBot",
            typical="@UtrechtBot",
            max_length=25,
        ),
        Placeholder(
            "naam",
            "text",
            "the resident's name as on the envelope, e.g. J. de Vries (only in letter.salutation;"
            " letters without a name use letter.salutation.unnamed)",
            longest="M.J.A. van der Heijden-Schimmelpenninck",
            typical="J. de Vries",
            max_length=40,
        ),
        Placeholder(
            "medewerker",
            "text",
            "who signs the letter or card: the caseworker's name or the team's, e.g. Sanne Bakker",
            longest="Anne-Marie van den Heuvel-Vermeulen",
            typical="Sanne Bakker",
            max_length=40,
        ),
        Placeholder(
            "datum",
            "date",
            "a date, written out in the resident's language, e.g. maandag 3 maart 2025",
            typical="maandag 3 maart 2025",
        ),
        Placeholder(
            "dagdeel",
            "daypart",
            "part of the day: ochtend, middag or avond (translated)",
            typical="ochtend",
        ),
        Placeholder(
            "n",
            "count",
            "a number of working days (1 or more); chooses the plural form",
            longest="10",
            typical="2",
        ),
    )
}

# Placeholder names that would carry what a message must never say.
FORBIDDEN_PLACEHOLDERS = frozenset(
    {"bedrag", "amount", "schuld", "debt", "schuldeiser", "creditor", "partner", "bedrijf"}
)


@dataclass(frozen=True)
class Key:
    """One text. `comment` says where it is used and its tone (placeholders are added).

    part: which part of a letter or card this is ("text" for SMS, chat and words).
    max_length: most characters with the longest values (letters and cards; SMS count parts).
    """

    name: str
    kind: Kind
    placeholders: tuple[str, ...]
    comment: str
    plural: bool = False
    part: Part = "text"
    max_length: int | None = None

    @property
    def on_paper(self) -> bool:
        return self.kind in ("letter", "card")

    @property
    def discreet(self) -> bool:
        """Others may read it: the subject through the envelope window, the card at the door,
        and the salutation, SMS note and closing that the card shares with letters. Only a
        letter's body (inside the envelope) may speak of money worries and bills."""
        return self.on_paper and not (self.kind == "letter" and self.part == "body")

    @property
    def readable(self) -> bool:
        """Held to the Dutch readability rule (headings, salutations and closings are not)."""
        if self.kind in ("sms", "chat"):
            return True
        return self.on_paper and self.part in ("text", "body", "note")

    @property
    def single_line(self) -> bool:
        return self.part in ("subject", "salutation", "note")

    @property
    def translator_comment(self) -> str:
        lines = [self.comment]
        if self.placeholders:
            lines.append(
                "Placeholders: "
                + "; ".join(f"{{{p}}} = {PLACEHOLDERS[p].description}" for p in self.placeholders)
                + ". Keep them exactly as written."
            )
        if self.plural:
            lines.append("Plural: {n} chooses the form; write every form of your language.")
        if self.kind == "sms":
            lines.append(
                "SMS: at most 2 parts with the longest values: about 260 letters in Dutch and"
                " English, about 90 letters (besides placeholders) in Turkish, Arabic, Polish"
                " and Ukrainian. No amounts, no names of companies, no links."
            )
        elif self.kind == "chat":
            lines.append(
                "Plain words, short sentences. No amounts, no names of companies, no links."
            )
        elif self.readable:
            lines.append(
                "Plain words, sentences of at most 15 words. No amounts, no names of companies,"
                " no links."
            )
        elif self.on_paper:
            lines.append("No amounts, no names of companies, no links.")
        if self.part == "body":
            lines.append("Paragraphs are separated by one empty line; no other line breaks.")
        elif self.single_line:
            lines.append("One line, no line breaks.")
        elif self.part == "closing":
            lines.append("One item per line, no empty line.")
        if self.discreet:
            lines.append(
                "Others may read this (through the envelope window or on the card at the"
                " door): say nothing about money, bills or why we write."
            )
        if self.max_length:
            lines.append(f"At most {self.max_length} characters with the longest values.")
        return "\n".join(lines)


_DAYPART = (
    " Replaces {dagdeel} in sms.callback.confirmed and sms.home_visit_announce: write the form"
    " that fits those sentences in your language (Dutch 'in de ochtend', Polish 'rano')."
)


def _sms(name: str, comment: str, *extra: str, plural: bool = False) -> Key:
    return Key(name, "sms", ("gemeente", *extra), comment, plural)


def _letter(name: str, part: Part, comment: str, *placeholders: str) -> Key:
    return Key(
        name,
        "letter",
        placeholders,
        comment,
        part=part,
        max_length=MAX_LETTER_CHARACTERS[part],
    )


_LETTER_TONE = (
    " Tone: warm, plain (B1), never blaming; the municipality helps for free with money worries"
    " and bills; the resident decides."
)


KEYS: tuple[Key, ...] = (
    _sms(
        "sms.first_contact",
        "First SMS to a resident after a signal, with the reply menu 1/2/3."
        " Tone: warm, inviting, never blaming; the resident decides.",
        "telefoon",
    ),
    _sms(
        "sms.reminder",
        "Sent a few working days after sms.first_contact when there was no reply;"
        " repeats the reply menu. Tone: gentle, no pressure.",
        "telefoon",
    ),
    _sms(
        "sms.menu",
        "The reply menu on its own, sent again when the resident asks what to do.",
    ),
    _sms(
        "sms.callback.ask_daypart",
        "Answer to reply 1 (please call me): asks which part of the day suits;"
        " the resident answers 1, 2 or 3.",
    ),
    _sms(
        "sms.callback.confirmed",
        "Answer after the resident chose a part of the day; says from which number we call.",
        "dagdeel",
        "telefoon",
    ),
    _sms(
        "sms.no_thanks",
        "Answer to reply 2 (no help wanted): thanks, respects the choice,"
        " says how to come back later.",
        "telefoon",
    ),
    _sms(
        "sms.already_arranged",
        "Answer to reply 3 (already arranged): glad, thanks, door stays open.",
        "telefoon",
    ),
    _sms(
        "sms.optout_confirmed",
        "Answer to STOP: no more automatic messages; START brings them back.",
        "telefoon",
    ),
    _sms(
        "sms.start",
        "Answer to START after STOP: messages are on again.",
        "telefoon",
    ),
    _sms(
        "sms.help",
        "Answer to HELP: the message is really from the municipality, how to answer,"
        " how to stop, how to choose another language (NL, EN, TR, AR, PL, UA).",
        "telefoon",
    ),
    _sms(
        "sms.not_understood",
        "Answer to a reply the system cannot read. Tone: friendly, the fault is ours.",
        "telefoon",
    ),
    _sms(
        "sms.unknown_sender",
        "Answer to an SMS from a number we have no conversation with. Reveals nothing.",
        "telefoon",
    ),
    _sms(
        "sms.language_changed",
        "Sent after the resident chose this language; names the language in itself.",
    ),
    _sms(
        "sms.after_missed_call",
        "Sent after a phone attempt nobody answered; says when we call again"
        " ({n} working days from now, 1 or more).",
        "n",
        "telefoon",
        plural=True,
    ),
    _sms(
        "sms.home_visit_announce",
        "Announces a home visit on {datum} in the {dagdeel}; the resident may say no.",
        "datum",
        "dagdeel",
        "telefoon",
    ),
    _sms(
        "sms.welcome_back",
        "The one gentle message after a new signal to someone who earlier said no thanks.",
        "telefoon",
    ),
    Key(
        "chat.link_code",
        "sms",
        ("gemeente", "bot", "code"),
        "Sent by SMS when the resident wants to chat on Telegram: the bot's name and a short"
        " code to send there. Never a link.",
    ),
    Key(
        "chat.ask_code",
        "chat",
        ("gemeente",),
        "Telegram: first answer of the bot to someone who has not sent a code yet.",
    ),
    Key(
        "chat.code_unknown",
        "chat",
        ("telefoon",),
        "Telegram: answer to a code that does not exist or has expired.",
    ),
    Key(
        "chat.too_many_tries",
        "chat",
        ("telefoon",),
        "Telegram: answer after several wrong codes from one chat; for an hour no code is"
        " checked. Tone: polite, no blame; invites a call.",
    ),
    Key(
        "chat.welcome",
        "chat",
        ("gemeente",),
        "Telegram: first message after the code linked the chat, with the reply menu.",
    ),
    _letter(
        "letter.first_contact.subject",
        "subject",
        "Subject line of the first letter (to a resident we could not reach by SMS, or beside"
        " the first SMS). Short and friendly; it must not say why we write.",
    ),
    _letter(
        "letter.first_contact.body",
        "body",
        "Body of the first letter to a resident: we could not reach them by SMS, or it comes"
        " beside the first SMS. Says that help is free, that they can call {telefoon} or come"
        " by (after a call for an appointment), and that a colleague may come by." + _LETTER_TONE,
        "gemeente",
        "telefoon",
    ),
    _letter(
        "letter.after_visit.subject",
        "subject",
        "Subject line of the letter after a home visit nobody answered. It must not say why"
        " we came.",
    ),
    _letter(
        "letter.after_visit.body",
        "body",
        "Body of the letter after a home visit on {datum} when nobody answered the door."
        " Invites a call to {telefoon} to make an appointment where the resident likes."
        + _LETTER_TONE,
        "datum",
        "gemeente",
        "telefoon",
    ),
    _letter(
        "letter.sms_note",
        "note",
        "One sentence added after the body of a letter or card when we have the resident's"
        " mobile number: they may also simply answer the SMS we sent.",
    ),
    _letter(
        "letter.salutation",
        "salutation",
        "First line of every letter and card to a resident whose name we know.",
        "naam",
    ),
    _letter(
        "letter.salutation.unnamed",
        "salutation",
        "First line of every letter and card when we do not know the name: the envelope says"
        " 'De bewoners van' (the residents of) the address.",
    ),
    _letter(
        "letter.closing",
        "closing",
        "End of every letter: a greeting, who signs ({medewerker}) and the municipality,"
        " each on its own line.",
        "medewerker",
        "gemeente",
    ),
    Key(
        "card.visit.heading",
        "card",
        (),
        "Heading of the card a caseworker leaves at the door after a home visit nobody"
        " answered. Others in the house may read it: say nothing about the reason.",
        part="subject",
        max_length=MAX_CARD_HEADING_CHARACTERS,
    ),
    Key(
        "card.visit.body",
        "card",
        ("datum", "gemeente", "telefoon"),
        "Text of the card a caseworker leaves at the door after a home visit on {datum} when"
        " nobody was home: asks the resident to call {telefoon}; free; the resident decides."
        " Others in the house may read it: say nothing about the reason.",
        part="body",
        max_length=MAX_CARD_BODY_CHARACTERS,
    ),
    Key("word.dagdeel.ochtend", "word", (), "Part of the day: morning (9 to 12)." + _DAYPART),
    Key("word.dagdeel.middag", "word", (), "Part of the day: afternoon (12 to 17)." + _DAYPART),
    Key("word.dagdeel.avond", "word", (), "Part of the day: evening (17 to 20)." + _DAYPART),
)

KEYS_BY_NAME: dict[str, Key] = {k.name: k for k in KEYS}


def get_key(name: str) -> Key | None:
    return KEYS_BY_NAME.get(name)


# ---------------------------------------------------------------- letters and cards

SALUTATION = "letter.salutation"
SALUTATION_UNNAMED = "letter.salutation.unnamed"
SMS_NOTE = "letter.sms_note"
CLOSING = "letter.closing"


@dataclass(frozen=True)
class Document:
    """A letter or card: the name flows give it (the outbox's message_key) and its own keys.

    Rendered as subject (card: heading), paragraphs (salutation, the body's paragraphs, the
    SMS note when asked) and closing (none on the card: its contact block is printed), all in
    one language.
    """

    name: str
    kind: Literal["letter", "card"]
    subject: str
    body: str
    closing: str | None = CLOSING

    def keys(self, *, named: bool, sms_note: bool) -> tuple[str, ...]:
        """Every key the document is made of, in reading order."""
        salutation = SALUTATION if named else SALUTATION_UNNAMED
        note = (SMS_NOTE,) if sms_note else ()
        closing = (self.closing,) if self.closing else ()
        return (self.subject, salutation, self.body, *note, *closing)


DOCUMENTS: tuple[Document, ...] = (
    Document(
        "letter.first_contact",
        "letter",
        "letter.first_contact.subject",
        "letter.first_contact.body",
    ),
    Document(
        "letter.after_visit",
        "letter",
        "letter.after_visit.subject",
        "letter.after_visit.body",
    ),
    Document("card.visit", "card", "card.visit.heading", "card.visit.body", closing=None),
)

DOCUMENTS_BY_NAME: dict[str, Document] = {d.name: d for d in DOCUMENTS}
