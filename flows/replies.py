"""What an inbound reply does, by intent and by where the case stands."""

from __future__ import annotations

from dataclasses import replace

from flows.actions import ReopenCase, SetLocale
from flows.callbacks import callback_requested
from flows.ddas import SMS
from flows.intents import EXPECT_DAYPART, EXPECT_MENU, LOCALES, Intent, IntentKind
from flows.optout import opt_in, opt_out
from flows.reviews import for_a_person
from flows.state import (
    ASK_DAYPART,
    IN_CONTACT,
    NEW,
    Attempt,
    CaseState,
)
from flows.turn import Turn


def expecting(state: CaseState) -> str:
    """What the last question to the resident was, for parse_intent."""
    return EXPECT_DAYPART if state.stage == ASK_DAYPART else EXPECT_MENU


def reply(turn: Turn, text: str, intent: Intent) -> None:
    kind = intent.kind
    if kind is IntentKind.STOP:
        # Decision: honoured in every stage, closed cases included (the opt-out is global).
        opt_out(turn, confirm=True, note="De inwoner stuurde STOP.")
        return
    if kind is IntentKind.START:
        opt_in(turn, confirm=True)
        return
    _sms_reached(turn)
    turn.withdraw_queued_outreach()
    if kind is IntentKind.HELP:
        turn.send(turn.flow.messages.help, "help")
    elif kind is IntentKind.LANGUAGE and intent.value:
        language(turn, intent.value, confirm_same=True)
    elif turn.state.closed:
        _reply_when_closed(turn, text, intent)
    elif turn.state.stage == IN_CONTACT:
        # Decision: a caseworker is in conversation with this resident; their texts are for
        # that person to read, not for the machine to act on (no automatic close on a "3").
        for_a_person(turn, text)
    elif kind in (IntentKind.MENU_CALL, IntentKind.DAYPART, IntentKind.YES):
        # Decision: a bare "yes" to the menu is read as "call me" (calling is harmless and
        # it is what a yes to an offer of help means); a bare "no" is NOT read as "no
        # thanks" — closing a case on one ambiguous word is for a person to decide.
        callback_requested(turn, intent.value)
    elif kind is IntentKind.MENU_NO_THANKS:
        turn.send(turn.flow.messages.no_thanks, "no_thanks")
        turn.state = replace(turn.state, said_no_thanks=True)
        turn.close(turn.flow.results.no_thanks)
    elif kind is IntentKind.MENU_ARRANGED:
        turn.send(turn.flow.messages.already_arranged, "already_arranged")
        turn.close(turn.flow.results.already_arranged)
    else:
        for_a_person(turn, text)


def _reply_when_closed(turn: Turn, text: str, intent: Intent) -> None:
    kind = intent.kind
    if kind in (IntentKind.MENU_CALL, IntentKind.DAYPART):
        # Decision: a resident who asks to be called is never refused — even after a close,
        # and whatever the close result was. The case re-opens into the callback path.
        turn.actions.append(ReopenCase())
        turn.enter(NEW)
        turn.state = replace(
            turn.state, closed_result=None, closed_at=None, reopened_at=turn.now, callback_misses=0
        )
        callback_requested(turn, intent.value)
    elif kind is IntentKind.MENU_NO_THANKS:
        # Decision: answered politely; the recorded DDAS result stays as it was.
        turn.send(turn.flow.messages.no_thanks, "no_thanks")
        turn.state = replace(turn.state, said_no_thanks=True)
    elif kind is IntentKind.MENU_ARRANGED:
        turn.send(turn.flow.messages.already_arranged, "already_arranged")
    elif kind in (IntentKind.YES, IntentKind.NO):
        pass  # "ok" / "nee" after our last word is an acknowledgement: nothing to do
    else:
        for_a_person(turn, text)


def _sms_reached(turn: Turn) -> None:
    """A reply means our last ladder message reached the resident (DDAS: bereikt)."""
    state = turn.state
    if state.closed or not state.outreach:
        return
    # The last ladder message the resident can have seen: one queued for a later slot
    # (and withdrawn by this reply) never reached anyone.
    sent = [o for o in state.outreach if o.at <= turn.now and o.soort == SMS]
    if not sent:
        return
    last = sent[-1]
    known = next((a for a in state.attempts if a.ref == last.key), None)
    if known is not None and known.bereikt:
        return
    datum = known.datum if known else turn.cal.local_date(last.at)
    dagdeel = known.dagdeel if known else turn.cal.daypart_of(last.at)
    turn.record_attempt(Attempt(last.key, SMS, True, datum, dagdeel))


def language(turn: Turn, locale: str, *, confirm_same: bool) -> None:
    if locale not in LOCALES:
        return  # no catalogue to speak it with; keep the current language
    changed = locale != turn.state.locale
    if changed:
        turn.actions.append(SetLocale(locale))
        turn.state = replace(turn.state, locale=locale)
    if changed or confirm_same:
        turn.send(turn.flow.messages.language_changed, "language_changed")
