"""The default, crisis and welcome-back ladders, path by path, on a fake clock."""

from __future__ import annotations

from flows import (
    AddTaskNote,
    CancelTask,
    CloseCase,
    Delivered,
    Failed,
    Intent,
    IntentKind,
    NewSignal,
    Planned,
    RecordAttempt,
    ReopenCase,
    Reply,
    SendMessage,
    SetTimer,
    TaskOutcome,
    Timeout,
    WithdrawMessages,
    expecting,
    load_flow,
)
from tests.flows.flows_kit import CAL, FLOW, Driver, at, new_case

NO_CONTACT = "Definitief geen contact kunnen krijgen"
NO_THANKS = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
ARRANGED = "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
ADVICE = "(Budget)advies en/of quick fix"


def started(now: object = None, **state: object) -> Driver:
    case = new_case(now or at(2025, 3, 3, 10), **state)  # type: ignore[arg-type]
    case.apply(Planned())
    return case


# -- the default ladder without any reply ---------------------------------------------------
def test_no_reply_at_all_walks_the_whole_default_ladder() -> None:
    case = new_case(at(2025, 3, 3, 10))  # Monday
    actions = case.apply(Planned())
    [first] = case.of(actions, SendMessage)
    assert (first.key, first.not_before) == ("sms.first_contact", at(2025, 3, 3, 10))
    assert case.timer is not None and case.timer.due == at(2025, 3, 6, 10)  # 3 working days
    assert case.state.stage == "wait_first"

    case.fire()
    assert case.sent() == ["sms.reminder"]
    assert case.timer.due == at(2025, 3, 10, 10)  # 2 more working days (Fri, Mon)

    case.fire()
    [phone] = case.created()
    assert (phone.kind, phone.daypart) == ("phone", None)
    assert phone.not_before == at(2025, 3, 10, 10) and phone.due == at(2025, 3, 12, 20)

    actions = case.outcome("phone", reached=False, when=at(2025, 3, 11, 10))
    [attempt] = case.of(actions, RecordAttempt)
    assert (attempt.soort, attempt.bereikt, attempt.dagdeel) == ("Telefoon", False, "Ochtend")
    assert case.sent(actions) == ["sms.after_missed_call"]
    [phone_2] = case.created(actions)
    # Another daypart (not the morning that failed), on a later working day.
    assert phone_2.daypart == "Middag"
    assert phone_2.not_before == at(2025, 3, 12, 12) and phone_2.due == at(2025, 3, 14, 17)

    actions = case.outcome("phone", reached=False, when=at(2025, 3, 12, 14))
    [visit] = case.created(actions)
    assert visit.kind == "home_visit" and visit.due == at(2025, 3, 19, 20)  # 5 working days

    actions = case.outcome("home_visit", reached=False, when=at(2025, 3, 17, 15))
    soorten = [(a.soort, a.bereikt) for a in case.of(actions, RecordAttempt)]
    assert soorten == [("Huisbezoek", False), ("Kaartje", False)]
    assert case.timer.due == at(2025, 3, 24, 15)  # 5 working days for a reaction to the card

    actions = case.fire()
    assert case.of(actions, CloseCase) == [CloseCase(NO_CONTACT)]
    assert case.state.closed and case.state.closed_result == NO_CONTACT
    assert [a.soort for a in case.state.attempts] == [
        "Telefoon",
        "Telefoon",
        "Huisbezoek",
        "Kaartje",
    ]


def test_no_usable_phone_gets_a_letter_then_a_visit_with_a_card_then_closes() -> None:
    case = new_case(at(2025, 3, 3, 10), has_phone=False)  # Monday
    actions = case.apply(Planned())
    [letter] = case.of(actions, SendMessage)
    assert (letter.key, letter.channel) == ("letter.first_contact", "letter")
    assert case.created(actions) == [] and case.state.stage == "letter"
    assert case.timer is None  # nothing happens until the letter is posted
    # The coordinator confirms the batch on Wednesday: a `Brief` attempt, and the wait starts.
    posted = case.apply(Delivered(letter.idempotency_key), at(2025, 3, 5, 16))
    [attempt] = case.of(posted, RecordAttempt)
    assert (attempt.soort, attempt.bereikt) == ("Brief", False)
    assert case.timer is not None and case.timer.due == at(2025, 3, 12, 16)  # 5 working days
    [visit] = case.created(case.fire())
    assert visit.kind == "home_visit" and visit.due == at(2025, 3, 19, 20)
    card = case.outcome("home_visit", reached=False, when=at(2025, 3, 13, 11))
    # A visit nobody answered: the visit itself and the card left (DDAS Kaartje).
    assert [a.soort for a in case.of(card, RecordAttempt)] == ["Huisbezoek", "Kaartje"]
    closing = case.fire()
    assert case.of(closing, CloseCase) == [CloseCase(NO_CONTACT)]


def test_an_opted_out_number_also_gets_the_letter() -> None:
    case = new_case(at(2025, 3, 3, 10), opted_out=True)
    assert case.sent(case.apply(Planned())) == ["letter.first_contact"]


def test_a_letter_beside_the_first_sms_when_the_municipality_wants_one() -> None:
    flow = load_flow({"letter_with_first_contact": True})
    case = new_case(at(2025, 3, 3, 10), flow=flow)
    actions = case.apply(Planned())
    assert sorted((m.key, m.channel) for m in case.of(actions, SendMessage)) == [
        ("letter.first_contact", "letter"),
        ("sms.first_contact", None),
    ]
    [letter] = [m for m in case.of(actions, SendMessage) if m.channel == "letter"]
    # Its posting is a `Brief` attempt; the SMS ladder goes on as it would without it.
    stage = case.state.stage
    posted = case.apply(Delivered(letter.idempotency_key), at(2025, 3, 4, 16))
    assert [a.soort for a in case.of(posted, RecordAttempt)] == ["Brief"]
    assert case.state.stage == stage
    assert case.sent(case.fire()) == ["sms.reminder"]


def test_telegram_only_resident_gets_messages_but_no_phone_tasks() -> None:
    case = new_case(at(2025, 3, 3, 10), has_phone=False, channel="telegram")
    assert case.sent(case.apply(Planned())) == ["sms.first_contact"]
    case.fire()
    case.fire()
    assert case.created()[0].kind == "home_visit"  # both phone steps skipped


def test_planned_twice_starts_once() -> None:
    case = started()
    assert case.apply(Planned()) == []


def test_a_stale_timer_does_nothing() -> None:
    case = started()
    old = case.timer
    assert old is not None
    case.fire()  # reminder; a new timer now runs
    assert case.apply(Timeout(old.version, old.name)) == []
    assert case.apply(Timeout(case.state.timer_version + 5, "wait")) == []


def test_delivery_records_an_sms_attempt_once() -> None:
    case = new_case(at(2025, 3, 3, 10))
    [message] = case.of(case.apply(Planned()), SendMessage)
    [attempt] = case.of(case.apply(Delivered(message.idempotency_key)), RecordAttempt)
    assert (attempt.soort, attempt.bereikt, attempt.ref) == (
        "SMS/Whatsapp",
        False,
        message.idempotency_key,
    )
    assert case.apply(Delivered(message.idempotency_key)) == []  # duplicate status callback
    assert case.apply(Delivered("somebody-else")) == []


# -- replies to the menu ----------------------------------------------------------------------
def test_reply_1_asks_the_daypart_then_plans_a_callback_in_it() -> None:
    case = started()
    actions = case.apply(Reply("1"), at(2025, 3, 3, 12))
    assert case.sent(actions) == ["sms.callback.ask_daypart"]
    # The reply also tells DDAS the first SMS reached the resident.
    [attempt] = case.of(actions, RecordAttempt)
    assert (attempt.soort, attempt.bereikt) == ("SMS/Whatsapp", True)
    assert case.state.stage == "ask_daypart"

    actions = case.apply(Reply("'s avonds"), at(2025, 3, 3, 12, 5))
    [callback] = case.created(actions)
    assert (callback.kind, callback.daypart) == ("callback", "Avond")
    assert callback.not_before == at(2025, 3, 3, 17) and callback.due == at(2025, 3, 3, 20)
    [confirmed] = case.of(actions, SendMessage)
    assert confirmed.key == "sms.callback.confirmed" and confirmed.values == {"dagdeel": "Avond"}
    assert case.state.stage == "callback"


def test_a_reply_withdraws_a_reminder_still_waiting_for_the_morning() -> None:
    case = started()  # first SMS Monday 10:00
    # The reminder's timer goes off late on Thursday: the SMS waits for Friday morning.
    case.fire(at(2025, 3, 6, 21, 30))
    [reminder] = case.of(case.last, SendMessage)
    assert reminder.key == "sms.reminder" and reminder.not_before > at(2025, 3, 6, 21, 30)
    # The resident answers the first SMS that night: no reminder should cross the answer.
    actions = case.apply(Reply("1"), at(2025, 3, 6, 22))
    assert case.of(actions, WithdrawMessages) == [WithdrawMessages((reminder.idempotency_key,))]
    assert case.sent(actions) == ["sms.callback.ask_daypart"]
    # What reached the resident was the first SMS (sent Monday), not the withdrawn reminder.
    [attempt] = case.of(actions, RecordAttempt)
    assert attempt.ref != reminder.idempotency_key and attempt.datum.isoformat() == "2025-03-03"


def test_a_reply_withdraws_nothing_that_was_already_sent() -> None:
    case = started()
    actions = case.apply(Reply("1"), at(2025, 3, 3, 12))
    assert case.of(actions, WithdrawMessages) == []


def test_a_daypart_that_already_started_moves_to_the_next_working_day() -> None:
    case = started(at(2025, 3, 7, 11))  # Friday 11:00
    case.apply(Reply("1"))
    [callback] = case.created(case.apply(Reply("ochtend")))
    assert callback.not_before == at(2025, 3, 10, 9) and callback.due == at(2025, 3, 10, 12)


def test_reply_1_with_a_daypart_skips_the_question() -> None:
    case = started()
    actions = case.apply(Reply("1 's middags"), at(2025, 3, 3, 11))
    assert case.sent(actions) == ["sms.callback.confirmed"]
    assert case.created(actions)[0].daypart == "Middag"


def test_no_answer_to_the_daypart_question_still_plans_the_call() -> None:
    case = started()
    case.apply(Reply("bel me"), at(2025, 3, 3, 11))
    actions = case.fire()
    [callback] = case.created(actions)
    assert callback.kind == "callback" and callback.daypart is None
    assert case.state.stage == "callback"


def test_callback_reached_with_a_result_closes_with_that_result() -> None:
    case = started()
    case.apply(Reply("1 ochtend"), at(2025, 3, 3, 11))
    actions = case.outcome("callback", reached=True, result=ADVICE, when=at(2025, 3, 4, 10))
    assert case.of(actions, CloseCase) == [CloseCase(ADVICE)]
    assert case.of(actions, RecordAttempt)[0].bereikt is True


def test_callback_missed_twice_continues_with_a_home_visit() -> None:
    case = started()
    case.apply(Reply("1 avond"), at(2025, 3, 3, 11))
    actions = case.outcome("callback", reached=False, when=at(2025, 3, 3, 18))
    assert case.sent(actions) == ["sms.after_missed_call"]
    [again] = case.created(actions)
    assert again.daypart == "Avond" and again.not_before == at(2025, 3, 4, 17)
    actions = case.outcome("callback", reached=False, when=at(2025, 3, 4, 18))
    assert [t.kind for t in case.created(actions)] == ["home_visit"]
    assert case.state.stage == "home_visit"


def test_reply_2_thanks_and_closes_no_help_needed() -> None:
    case = started()
    actions = case.apply(Reply("2"), at(2025, 3, 3, 11))
    assert case.sent(actions) == ["sms.no_thanks"]
    assert case.of(actions, CloseCase) == [CloseCase(NO_THANKS)]
    assert case.state.said_no_thanks


def test_reply_3_closes_already_arranged() -> None:
    case = started()
    actions = case.apply(Reply("3"), at(2025, 3, 3, 11))
    assert case.sent(actions) == ["sms.already_arranged"]
    assert case.of(actions, CloseCase) == [CloseCase(ARRANGED)]


def test_a_bare_no_is_never_taken_as_no_thanks() -> None:
    case = started()
    actions = case.apply(Reply("nee"), at(2025, 3, 3, 11))
    assert not case.state.closed
    assert [t.kind for t in case.created(actions)] == ["review"]


def test_help_and_language_change() -> None:
    case = started()
    assert case.sent(case.apply(Reply("HELP"))) == ["sms.help"]
    actions = case.apply(Reply("English"))
    assert case.sent(actions) == ["sms.language_changed"]
    assert case.of(actions, SendMessage)[0].locale == "en" and case.state.locale == "en"
    assert case.state.stage == "wait_first"  # the ladder goes on


# -- not understood -----------------------------------------------------------------------
def test_not_understood_becomes_one_review_and_one_acknowledgement() -> None:
    case = started()
    first = case.apply(Reply("wie is dit?"), at(2025, 3, 3, 11))
    assert case.sent(first) == ["sms.not_understood"]
    [review] = case.created(first)
    assert review.kind == "review" and review.note == "wie is dit?"
    second = case.apply(Reply("hallo??"), at(2025, 3, 3, 11, 5))
    assert case.sent(second) == [] and case.created(second) == []
    assert [type(a).__name__ for a in second] == ["AddTaskNote"]
    # After a caseworker handled it, a new unclear text is acknowledged once more.
    case.outcome("review", reached=False, when=at(2025, 3, 4, 10))
    third = case.apply(Reply("???"), at(2025, 3, 4, 11))
    assert case.sent(third) == ["sms.not_understood"]


def test_reminders_pause_while_a_task_is_open_and_resume_afterwards() -> None:
    case = started()
    case.apply(Reply("wie is dit?"), at(2025, 3, 3, 11))  # a review task is now open
    assert case.fire() == []  # the reminder would be due: paused
    assert case.state.timer_paused
    actions = case.outcome("review", reached=False, when=at(2025, 3, 7, 10))
    # The wait starts afresh from the caseworker's handling.
    [timer] = case.of(actions, SetTimer)
    assert timer.due == at(2025, 3, 12, 10)
    assert case.sent(case.fire()) == ["sms.reminder"]


# -- replies after an escalation --------------------------------------------------------
def test_reply_1_while_a_phone_task_is_open_replaces_it_by_the_callback() -> None:
    case = started()
    case.fire()
    case.fire()
    phone = case.open_task("phone")
    actions = case.apply(Reply("1"), at(2025, 3, 10, 11))
    assert CancelTask(phone.ref) in actions
    assert case.sent(actions) == ["sms.callback.ask_daypart"]
    actions = case.apply(Reply("middag"), at(2025, 3, 10, 11, 10))
    assert [t.kind for t in case.created(actions)] == ["callback"]
    # A late outcome for the cancelled phone task changes nothing...
    assert case.apply(TaskOutcome(phone.ref, reached=False)) == []
    # ...unless it is a conversation with a result: that is what happened.
    actions = case.apply(TaskOutcome(phone.ref, reached=True, result=ADVICE))
    assert case.of(actions, CloseCase) == [CloseCase(ADVICE)]


def test_reply_2_while_a_home_visit_is_open_cancels_it_and_closes() -> None:
    case = started(has_phone=False, channel="telegram")
    case.fire()
    case.fire()
    visit = case.open_task("home_visit")
    actions = case.apply(Reply("nee bedankt"), at(2025, 3, 11, 9))
    assert CancelTask(visit.ref) in actions
    assert case.of(actions, CloseCase) == [CloseCase(NO_THANKS)]
    assert case.state.open_tasks == ()


def test_reached_without_result_keeps_the_case_open_for_a_person() -> None:
    case = started()
    case.fire()
    case.fire()
    actions = case.outcome("phone", reached=True, when=at(2025, 3, 10, 14), note="belt terug")
    [review] = case.created(actions)
    assert review.kind == "review" and review.reason == "needs_result"
    assert review.note == "belt terug"
    assert case.state.stage == "in_contact"
    assert case.sent(actions) == []
    # The review without a result: ask again later, never an automatic message.
    actions = case.outcome("review", reached=False, when=at(2025, 3, 11, 10))
    assert case.of(actions, SetTimer)[0].name == "follow_up"
    assert [t.reason for t in case.created(case.fire())] == ["needs_result"]
    actions = case.outcome("review", reached=True, result=ADVICE, when=at(2025, 3, 26, 10))
    assert case.of(actions, CloseCase) == [CloseCase(ADVICE)]


def test_a_rejected_number_makes_it_a_case_without_a_phone_a_letter_then_a_visit() -> None:
    case = new_case(at(2025, 3, 3, 10))
    [message] = case.of(case.apply(Planned()), SendMessage)
    actions = case.apply(Failed(message.idempotency_key, permanent=True), at(2025, 3, 3, 10, 1))
    assert case.created(actions) == []  # no calls to a number that failed
    [letter] = case.of(actions, SendMessage)
    assert (letter.key, letter.channel) == ("letter.first_contact", "letter")
    assert (case.state.ladder, case.state.stage) == ("no_phone", "letter")
    case.apply(Delivered(letter.idempotency_key), at(2025, 3, 4, 16))
    assert [t.kind for t in case.created(case.fire())] == ["home_visit"]


def test_a_rejected_number_in_a_crisis_goes_on_to_the_next_task() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)
    [message] = case.of(case.apply(Planned()), SendMessage)
    case.apply(Failed(message.idempotency_key, permanent=True), at(2025, 3, 3, 10, 1))
    assert case.state.ladder == "crisis"  # the Wgs deadline: no letter first


def test_temporary_failure_changes_nothing() -> None:
    case = new_case(at(2025, 3, 3, 10))
    [message] = case.of(case.apply(Planned()), SendMessage)
    before = case.state
    assert case.apply(Failed(message.idempotency_key, permanent=False)) == []
    assert case.state == before


# -- crisis -------------------------------------------------------------------------------
def test_crisis_sends_and_creates_a_phone_task_at_once() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)
    actions = case.apply(Planned())
    assert case.sent(actions) == ["sms.first_contact"]
    [phone] = case.created(actions)
    assert phone.kind == "phone" and phone.priority_boost > 0
    assert phone.due == at(2025, 3, 4, 20)  # within the 3-working-day deadline
    assert case.timer is not None and case.timer.due == at(2025, 3, 5, 10)  # 2 working days


def test_crisis_not_reached_within_two_working_days_gets_a_home_visit() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)
    case.apply(Planned())
    phone = case.open_task("phone")
    actions = case.fire()
    assert CancelTask(phone.ref) in actions
    [visit] = case.created(actions)
    assert visit.kind == "home_visit" and visit.due == at(2025, 3, 7, 20)


def test_crisis_phone_not_reached_goes_to_the_home_visit_at_once() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True)
    case.apply(Planned())
    deadline = case.timer
    actions = case.outcome("phone", reached=False, when=at(2025, 3, 3, 15))
    assert [t.kind for t in case.created(actions)] == ["home_visit"]
    assert deadline is not None
    assert case.apply(Timeout(deadline.version, "deadline")) == []  # the deadline is stale now


def test_crisis_without_phone_gets_a_home_visit_within_the_deadline() -> None:
    case = new_case(at(2025, 3, 3, 10), crisis=True, has_phone=False)
    [visit] = case.created(case.apply(Planned()))
    assert visit.kind == "home_visit"
    assert CAL.working_days_between(at(2025, 3, 3).date(), visit.due.date()) <= 3


def test_a_crisis_signal_for_a_waiting_case_escalates_at_once() -> None:
    case = started()
    actions = case.apply(NewSignal(crisis=True), at(2025, 3, 4, 10))
    assert [t.kind for t in case.created(actions)] == ["phone"]
    assert case.state.ladder == "crisis" and case.state.crisis


def test_a_plain_new_signal_for_a_running_case_changes_nothing() -> None:
    case = started()
    assert case.apply(NewSignal(crisis=False)) == []


# -- re-opening -----------------------------------------------------------------------------
def test_a_new_signal_reopens_a_recent_case_and_no_thanks_gets_one_gentle_message() -> None:
    case = started()
    case.apply(Reply("2"), at(2025, 3, 3, 11))
    actions = case.apply(NewSignal(), at(2025, 6, 2, 10))
    assert actions == [ReopenCase()]
    assert case.state.stage == "new" and case.state.said_no_thanks
    actions = case.apply(Planned(), at(2025, 6, 3, 10))
    assert case.sent(actions) == ["sms.welcome_back"]
    actions = case.fire()
    assert case.of(actions, CloseCase) == [CloseCase(NO_THANKS)]
    # Re-opened again: no second welcome-back message.
    case.apply(NewSignal(), at(2025, 7, 1, 10))
    actions = case.apply(Planned(), at(2025, 7, 2, 10))
    assert case.sent(actions) == []
    assert case.of(actions, CloseCase) == [CloseCase(NO_THANKS)]


def test_a_crisis_after_no_thanks_gets_one_message_and_people() -> None:
    case = started()
    case.apply(Reply("2"), at(2025, 3, 3, 11))
    case.apply(NewSignal(crisis=True), at(2025, 4, 1, 10))
    actions = case.apply(Planned(), at(2025, 4, 1, 10))
    assert case.sent(actions) == ["sms.welcome_back"]
    assert [t.kind for t in case.created(actions)] == ["phone"]


def test_after_six_months_a_new_signal_is_a_fresh_start() -> None:
    case = started()
    case.apply(Reply("2"), at(2025, 3, 3, 11))
    case.apply(NewSignal(), at(2025, 9, 4, 10))
    assert not case.state.said_no_thanks
    assert case.sent(case.apply(Planned())) == ["sms.first_contact"]


def test_reply_1_after_a_close_reopens_into_the_callback_path() -> None:
    case = started()
    case.apply(Reply("2"), at(2025, 3, 3, 11))
    actions = case.apply(Reply("1"), at(2025, 3, 20, 11))
    assert actions[0] == ReopenCase()
    assert case.sent(actions) == ["sms.callback.ask_daypart"]
    assert not case.state.said_no_thanks and not case.state.closed


def test_other_replies_after_a_close() -> None:
    case = started()
    case.apply(Reply("3"), at(2025, 3, 3, 11))
    assert case.sent(case.apply(Reply("3"))) == ["sms.already_arranged"]
    actions = case.apply(Reply("wat bedoelt u?"))
    assert [t.kind for t in case.created(actions)] == ["review"]
    assert case.state.closed  # a person reads it; the case stays closed
    assert case.sent(case.apply(Reply("help"))) == ["sms.help"]


def test_timings_come_from_the_flow() -> None:
    flow = load_flow({"ladders": {"default": {"steps": {"wait_first": {"working_days": 5}}}}})
    case = new_case(at(2025, 3, 3, 10), flow=flow)
    case.apply(Planned())
    assert case.timer is not None and case.timer.due == at(2025, 3, 10, 10)
    assert FLOW.ladder("default").steps[1].working_days == 3


def test_ok_after_a_close_is_just_an_acknowledgement() -> None:
    case = started()
    case.apply(Reply("2"), at(2025, 3, 3, 11))
    assert case.apply(Reply("ok")) == []
    assert case.apply(Reply("nee")) == []


def test_texts_during_a_conversation_go_to_the_caseworker() -> None:
    case = started()
    case.fire()
    case.fire()
    case.outcome("phone", reached=True, when=at(2025, 3, 10, 14))
    review = case.open_task("review")
    actions = case.apply(Reply("3"), at(2025, 3, 10, 16))
    assert not case.state.closed  # the caseworker records the result, not the machine
    assert [type(a).__name__ for a in actions] == ["RecordAttempt", "AddTaskNote", "SendMessage"]
    assert case.of(actions, AddTaskNote) == [AddTaskNote(review.ref, "3")]
    assert case.sent(actions) == ["sms.not_understood"]


def test_a_reply_before_planning_is_handled_like_any_other() -> None:
    case = new_case(at(2025, 3, 3, 10))
    actions = case.apply(Reply("1 's ochtends"))
    assert [t.kind for t in case.created(actions)] == ["callback"]
    assert case.apply(Planned()) == []  # already under way


def test_an_intent_parsed_by_the_bot_is_used_as_given() -> None:
    case = started()
    actions = case.apply(Reply("whatever", Intent(IntentKind.MENU_ARRANGED)))
    assert case.of(actions, CloseCase) == [CloseCase(ARRANGED)]


def test_expecting_follows_the_last_question() -> None:
    case = started()
    assert expecting(case.state) == "menu"
    case.apply(Reply("1"))
    assert expecting(case.state) == "daypart"
    # So a bare "2" now means Middag, not "no thanks".
    [callback] = case.created(case.apply(Reply("2"), at(2025, 3, 3, 10, 5)))
    assert callback.daypart == "Middag"


def test_a_reaction_to_the_card_stops_the_countdown_to_close() -> None:
    case = started(has_phone=False, channel="telegram")
    case.fire()
    case.fire()  # home visit (no phone tasks possible)
    case.outcome("home_visit", reached=False, when=at(2025, 3, 11, 15))
    card_timer = case.timer
    assert case.state.stage == "wait_card" and card_timer is not None
    actions = case.apply(Reply("1 avond"), at(2025, 3, 12, 10))
    assert [t.kind for t in case.created(actions)] == ["callback"]
    assert case.apply(Timeout(card_timer.version, card_timer.name)) == []  # stale now
    assert not case.state.closed


def test_a_reply_before_the_post_does_not_take_the_letters_place() -> None:
    # An opted-out number starts on the letter; a text from it is a reply, not the letter's
    # attempt: the posting still counts as `Brief` and moves the ladder on.
    case = new_case(at(2025, 3, 3, 10), opted_out=True)
    [letter] = case.of(case.apply(Planned()), SendMessage)
    case.apply(Reply("wie bent u?"), at(2025, 3, 3, 12))
    posted = case.apply(Delivered(letter.idempotency_key), at(2025, 3, 4, 16))
    assert [a.soort for a in case.of(posted, RecordAttempt)] == ["Brief"]
    assert case.timer is not None and case.state.stage == "wait_letter"


def test_a_closed_case_withdraws_its_letter_before_the_print_batch() -> None:
    flow = load_flow({"letter_with_first_contact": True})
    case = new_case(at(2025, 3, 3, 10), flow=flow)
    letters = [m for m in case.of(case.apply(Planned()), SendMessage) if m.channel == "letter"]
    actions = case.apply(Reply("3"), at(2025, 3, 3, 11))  # already arranged: the case closes
    assert case.state.closed
    [withdrawn] = case.of(actions, WithdrawMessages)
    assert letters[0].idempotency_key in withdrawn.idempotency_keys


def test_a_rejected_number_with_a_letter_beside_the_sms_waits_for_that_letter() -> None:
    flow = load_flow({"letter_with_first_contact": True})
    case = new_case(at(2025, 3, 3, 10), flow=flow)
    sent = case.of(case.apply(Planned()), SendMessage)
    [sms] = [m for m in sent if m.channel is None]
    [letter] = [m for m in sent if m.channel == "letter"]
    actions = case.apply(Failed(sms.idempotency_key, permanent=True), at(2025, 3, 3, 10, 1))
    assert case.created(actions) == [] and case.of(actions, SendMessage) == []  # one letter
    assert (case.state.ladder, case.state.stage) == ("no_phone", "letter")
    case.apply(Delivered(letter.idempotency_key), at(2025, 3, 4, 16))
    assert [t.kind for t in case.created(case.fire())] == ["home_visit"]
