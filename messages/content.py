"""What a resident-facing text must never contain, in every language we ship.

Residents in arrears are often ashamed and others in the house may read the phone or the card;
residents are taught that official SMS never contain links. So no word for debt, no amount,
no creditor or partner, no link. Every pattern is tried on every language (a Dutch word in a
Turkish text is just as wrong). What others may read on paper (a letter's subject, the card
at the door) says nothing about money at all (DISCREET).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Forbidden:
    rule: str
    pattern: re.Pattern[str]
    why: str


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


_START = r"(?<!\w)"  # at the start of a word
_END = r"(?!\w)"
# Arabic words take one-letter prefixes (و ف ب ل ك), the article ال and pronoun suffixes.
_AR_PREFIX = r"(?<!\w)(?:[وفبلك]?(?:ال)?)"
_AR_SUFFIX = r"(?:ك|كم|ه|ها|ي|نا|هم)?(?!\w)"

DEBT = _any(
    r"schuld",
    rf"{_START}(?:achterstand|betalingsachterstand|betaalachterstand|deurwaarder|incasso"
    r"|aanmaning|afsluiting|huisuitzetting|ontruiming|wanbetal|rood\s+sta)",
    rf"{_START}(?:debt|arrear|bailiff|overdue|unpaid|eviction|evict|disconnection){_END}",
    rf"{_START}(?:debts|indebted|owe|owes|owed|owing){_END}",
    r"bor[çc]",
    rf"{_START}(?:icra|haciz|gecikmi[şs])",
    r"d[łl]ug|zad[łl]u[żz]|zaleg[łl]|komornik|windyk|eksmisj",
    r"борг|заборгован|боржник|колектор|виселен",
    _AR_PREFIX + r"(?:دين|ديون|مديون|متأخرات|قرض|قروض)" + _AR_SUFFIX,
)

CREDITOR = _any(
    rf"{_START}(?:huur|verhuurder|huisbaas|woningcorporatie|woningbouw|energieleverancier"
    r"|energiebedrijf|zorgverzekeraar|zorgverzekering|verzekeraar|waterbedrijf|drinkwater)",
    rf"{_START}(?:rent|landlord|creditor|insurer|utility\s+company){_END}",
    rf"{_START}(?:kira|ev\s+sahibi|alacakl)",
    rf"{_START}(?:czynsz|wierzyciel|wynajmuj)",
    r"оренд|квартплат|кредитор|орендодав",
    _AR_PREFIX + r"(?:إيجار|ايجار|المالك|دائن)" + _AR_SUFFIX,
    rf"{_START}(?:vattenfall|eneco|essent|greenchoice|vitens|evides|dunea|waternet"
    r"|brabant\s+water|oasen|zilveren\s+kruis|menzis|vgz|dsw|onvz|achmea|ymere|vestia"
    r"|woonstad|eigen\s+haard|havensteder|stadgenoot|rochdale|cjib|belastingdienst|duo"
    rf"|kpn|ziggo|odido|t-mobile){_END}",
)

AMOUNT = _any(
    r"[€$£₺₴]",
    rf"{_START}(?:eur|euro|euros|avro|yuro|евро|євро|zł|يورو){_END}",
    rf"{_START}(?:złot|zlot[iy]|гривн|гривен|grzyw)",
    r"\d+[.,]\d{2}(?!\d)",
    r"\d+,-",
)

LINK = _any(
    r"https?://|www\.|ftp://",
    r"(?<![\w.])[\w-]+(?:\.[\w-]+)*\.(?:nl|com|org|net|eu|info|io|me|app|gov|be|de|tr|pl|ua"
    r"|link|ly|to|co)(?!\w)",
    r"t\.me/|wa\.me/|bit\.ly",
)

PERSONAL_DATA = _any(
    rf"{_START}(?:bsn|burgerservicenummer|iban|rekeningnummer|digid|pincode|wachtwoord"
    rf"|geboortedatum|password|pin\s+code){_END}",
)

# What others may not read on a card at the door or through an envelope window: any hint that
# the resident has trouble with money. A letter's body (inside the envelope) may say "geldzorgen"
# or "rekeningen betalen", as the SMS texts say "rondkomen"; a subject line or card may not.
MONEY_MATTERS = _any(
    r"geld(?!ig|en\b|t\b)",
    rf"{_START}(?:rekening|beta+l|financ|budget|rondkom|rond\s+te\s+komen|armoede|inkomen"
    r"|uitkering|toeslag)",
    rf"{_START}(?:money|bills?|financ\w*|pay|pays|paid|paying|payments?|budget\w*|afford\w*"
    rf"|poverty|income){_END}",
    rf"{_START}(?:para(?!lel|graf|f)|fatura|[öo]de(?:m|y|n)|maliye|maddi|b[üu]t[çc]e|ge[çc]im"
    rf"|yoksul)",
    rf"{_START}mali{_END}",
    rf"{_START}(?:pieni|rachun|op[łl]at|płac|płat|zap[łl]at|finans|bud[żz]et|ub[óo]st"
    r"|dochod)",
    rf"{_START}(?:грош|рахун|оплат|сплат|платит|платеж|платіж|фінанс|бюджет|бідн|доход"
    r"|комунальн)",
    _AR_PREFIX + r"(?:مال|مالية|مالي|أموال|اموال|نقود|فاتورة|فواتير|دفع|ميزانية|فقر)" + _AR_SUFFIX,
)

FORBIDDEN: tuple[Forbidden, ...] = (
    Forbidden("debt-word", DEBT, "never name debt or arrears"),
    Forbidden("amount", AMOUNT, "never mention an amount of money"),
    Forbidden("creditor", CREDITOR, "never name a creditor, landlord, insurer or supplier"),
    Forbidden("link", LINK, "never a link: official SMS never contain links"),
)

# Errors for what others may read: a letter's subject, the card at the door (keys.Key.discreet).
DISCREET: tuple[Forbidden, ...] = (
    Forbidden(
        "discreet",
        MONEY_MATTERS,
        "others may read this (envelope window, card at the door): say nothing about money"
        " or bills",
    ),
)

# Not an error (a text may say "we never ask for your PIN"), but worth a second look.
CAUTION: tuple[Forbidden, ...] = (
    Forbidden("personal-data", PERSONAL_DATA, "never ask for personal data by SMS or chat"),
)


def findings(text: str, rules: tuple[Forbidden, ...] = FORBIDDEN) -> list[tuple[str, str]]:
    """(rule, message) for every forbidden thing found in `text`."""
    found: list[tuple[str, str]] = []
    for rule in rules:
        match = rule.pattern.search(text)
        if match:
            found.append((rule.rule, f"{_token(text, match)!r}: {rule.why}"))
    return found


def _token(text: str, match: re.Match[str]) -> str:
    """The whole word(s) around a match, as a reader would point at them."""
    start, end = match.start(), match.end()
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end].strip()
