"""The communicators' pages under /desk/texts (the desk is mounted at /desk).

    GET       /desk/texts                      every key, all languages side by side
    GET       /desk/texts/history              every change, newest first
    GET       /desk/texts/{key}                one key: texts, open drafts to decide, history
    GET/POST  /desk/texts/{key}/{locale}       edit: "Preview" re-renders with findings,
                                               "Save draft" stores it for a second person
    POST      /desk/texts/changes/{id}/approve four eyes: publishes at once
    POST      /desk/texts/changes/{id}/reject  with a reason

Works without JavaScript (the desk's policy forbids scripts): the preview is a submit button.
Every handler calls require_user first; only communicators (and admins) get in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel import Locale, UnknownLocaleError
from multidict import MultiDictProxy

from desk.access import (
    DESK_SERVICES,
    ID_PATTERN,
    User,
    audit,
    current_session,
    gettext_for,
    render,
    request_locale,
    require_user,
)
from desk.texts import changes
from desk.texts.changes import N_, Blocked, Change, NotAllowed, TextError
from desk.texts.letter_preview import document_of, preview_pdf
from desk.texts.overview import overview
from desk.texts.preview import Preview, preview
from desk.texts.whatsapp import template_states
from messages import MessageError, catalog, publish
from messages.keys import Key

ROLE = "communicator"  # admins may do everything as well (require_user)
DONE = {
    "saved": N_("Draft saved. A second person must approve it before residents get it."),
    "published": N_("Approved and published: the next message uses the new text."),
    "rejected": N_("Draft rejected."),
}


def routes() -> list[web.AbstractRouteDef]:
    return [
        web.get("/texts", index, name="texts"),
        web.get("/texts/history", history_page, name="texts_history"),
        web.post(f"/texts/changes/{{id:{ID_PATTERN}}}/approve", approve, name="texts_approve"),
        web.post(f"/texts/changes/{{id:{ID_PATTERN}}}/reject", reject, name="texts_reject"),
        web.get("/texts/{key}", key_page, name="texts_key"),
        web.get("/texts/{key}/{locale}", edit_form, name="texts_edit"),
        web.post("/texts/{key}/{locale}", edit_post, name="texts_edit_post"),
        web.post("/texts/{key}/{locale}/print.pdf", print_preview, name="texts_print_preview"),
    ]


# ---------------------------------------------------------------- helpers


def _now(request: web.Request) -> datetime:
    return request.app[DESK_SERVICES].now()


def _values(request: web.Request) -> dict[str, Any]:
    """The municipality's own name and number, so the preview reads as residents see it."""
    return dict(request.app[DESK_SERVICES].values)


def _when(request: web.Request) -> Callable[[datetime | None], str]:
    tz: ZoneInfo = request.app[DESK_SERVICES].rules.calendar.tz

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%d-%m-%Y %H:%M") if moment else ""

    return when


async def _gettext(request: web.Request) -> Callable[..., str]:
    """The interface translation render() uses, for messages made in a handler."""
    gettext, _ = gettext_for(request_locale(request, await current_session(request)))
    return gettext


async def _translate(request: web.Request, error: TextError) -> str:
    return (await _gettext(request))(error.message, **error.values)


def language_names(locales: Sequence[str]) -> dict[str, str]:
    """Each language in its own words ("Türkçe", "العربية"), as residents and translators
    know it."""
    names = {}
    for code in locales:
        try:
            names[code] = Locale.parse(code).get_display_name(code) or code
        except (UnknownLocaleError, ValueError):
            names[code] = code
    return names


def _key(request: web.Request) -> Key:
    try:
        return changes.text_key(request.match_info["key"])
    except TextError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc


def _locale(request: web.Request) -> str:
    try:
        return changes.check_locale(request.match_info["locale"])
    except TextError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc


def _forms_from(form: MultiDictProxy[Any], count: int) -> list[str]:
    texts = []
    for index in range(count):
        value = form.get(f"form_{index}", "")
        texts.append(value if isinstance(value, str) else "")
    return texts


def _int(form: MultiDictProxy[Any], name: str) -> int:
    value = form.get(name)
    try:
        return int(value) if isinstance(value, str) else -1
    except ValueError:
        return -1


# ---------------------------------------------------------------- pages


async def index(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, ROLE)
    engine = request.app[DESK_SERVICES].engine
    view = await overview(engine)
    drafts = [d for row in view.rows for d in row.drafts]
    return render(
        request,
        "texts/index.html",
        {
            "view": view,
            "names": language_names(view.locales),
            "drafts": drafts,
            "me": user,
            "when": _when(request),
            "override": catalog.settings().override_dir is not None,
        },
    )


async def history_page(request: web.Request) -> web.StreamResponse:
    await require_user(request, ROLE)
    engine = request.app[DESK_SERVICES].engine
    items = await changes.history(engine)
    return render(request, "texts/history.html", {"items": items, "when": _when(request)})


async def _key_context(request: web.Request, key: Key, user: User) -> dict[str, Any]:
    engine = request.app[DESK_SERVICES].engine
    view = await overview(engine, (key,))
    row = view.rows[0]
    values = _values(request)
    previews: dict[int, Preview] = {
        cell.draft.id: preview(key, cell.draft.locale, cell.draft.after, values=values)
        for cell in row.cells
        if cell.draft is not None
    }
    return {
        "key": key,
        "locales": view.locales,
        "names": language_names(view.locales),
        "row": row,
        "previews": previews,
        "items": await changes.history(engine, key=key.name),
        "whatsapp": await template_states(
            engine, key.name, view.locales, request.app[DESK_SERVICES].rules.route
        ),
        "me": user,
        "when": _when(request),
    }


async def key_page(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, ROLE)
    key = _key(request)
    context = await _key_context(request, key, user)
    done = DONE.get(request.query.get("done", ""))
    if done is not None:
        context["flash_kind"] = "ok"
        context["flash"] = (await _gettext(request))(done)
    return render(request, "texts/key.html", context)


async def _edit_page(
    request: web.Request,
    key: Key,
    locale: str,
    forms: list[str],
    *,
    shown: Preview | None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    engine = request.app[DESK_SERVICES].engine
    entry = publish.current(key.name, locale)
    drafts = await changes.pending(engine)
    return render(
        request,
        "texts/edit.html",
        {
            "key": key,
            "locale": locale,
            "entry": entry,
            "source": None if locale == catalog.SOURCE_LOCALE else publish.current(key.name, "nl"),
            "draft": drafts.get((key.name, locale)),
            "forms": forms,
            "preview": shown,
            "printed": document_of(key.name) is not None,
            "rtl": catalog.is_rtl(locale),
            "error": error,
            "status": status,
            "when": _when(request),
        },
    )


async def edit_form(request: web.Request) -> web.StreamResponse:
    await require_user(request, ROLE)
    key, locale = _key(request), _locale(request)
    engine = request.app[DESK_SERVICES].engine
    draft = (await changes.pending(engine)).get((key.name, locale))
    entry = publish.current(key.name, locale)
    count = changes.expected_forms(key, locale)
    if draft is not None:
        forms = list(draft.after)
    else:
        forms = list(entry.forms) + [""] * (count - len(entry.forms))
    return await _edit_page(request, key, locale, forms[:count], shown=None)


async def print_preview(request: web.Request) -> web.StreamResponse:
    """The letter or card this text belongs to as a PDF, with the text as edited in the form."""
    await require_user(request, ROLE)
    key, locale = _key(request), _locale(request)
    services = request.app[DESK_SERVICES]
    if services.post is None or document_of(key.name) is None:
        raise web.HTTPNotFound(text=f"{key.name} is not printed")
    form = await request.post()
    (text,) = _forms_from(form, 1) or [""]
    try:
        pdf = preview_pdf(
            key, locale, text.replace("\r\n", "\n"), _values(request), services.post.sender
        )
    except (MessageError, ValueError, KeyError, IndexError) as exc:
        raise web.HTTPUnprocessableEntity(text=f"no preview: {exc}") from exc
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="voorbeeld-{key.name}-{locale}.pdf"'},
    )


async def edit_post(request: web.Request) -> web.StreamResponse:
    user = await require_user(request, ROLE)
    key, locale = _key(request), _locale(request)
    form = await request.post()
    forms = _forms_from(form, changes.expected_forms(key, locale))
    shown = preview(key, locale, [f.replace("\r\n", "\n") for f in forms], values=_values(request))
    if form.get("action") != "save":
        return await _edit_page(request, key, locale, forms, shown=shown)
    engine = request.app[DESK_SERVICES].engine
    try:
        draft = await changes.save_draft(engine, user, key.name, locale, forms, now=_now(request))
    except TextError as exc:
        status = 403 if isinstance(exc, NotAllowed) else 422
        message = await _translate(request, exc)
        return await _edit_page(
            request, key, locale, forms, shown=shown, error=message, status=status
        )
    await audit(
        request,
        user,
        "text.draft",
        detail={"key": key.name, "locale": locale, "change": draft.id},
    )
    raise web.HTTPSeeOther(f"/desk/texts/{key.name}?done=saved#{locale}")


async def _decide(request: web.Request, action: str) -> web.StreamResponse:
    user = await require_user(request, ROLE)
    engine = request.app[DESK_SERVICES].engine
    change_id = int(request.match_info["id"])
    form = await request.post()
    revision = _int(form, "revision")
    try:
        change: Change = await changes.get_change(engine, change_id)
    except TextError as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc
    key = changes.text_key(change.key)
    try:
        if action == "approve":
            done = await changes.approve(engine, user, change_id, revision, now=_now(request))
        else:
            note = form.get("note")
            done = await changes.reject(
                engine,
                user,
                change_id,
                revision,
                note if isinstance(note, str) else "",
                now=_now(request),
            )
    except TextError as exc:
        context = await _key_context(request, key, user)
        context["flash"] = await _translate(request, exc)
        context["flash_kind"] = "error"
        context["blocked"] = exc.findings if isinstance(exc, Blocked) else []
        context["status"] = 403 if isinstance(exc, NotAllowed) else 409
        return render(request, "texts/key.html", context)
    await audit(
        request,
        user,
        "text.publish" if action == "approve" else "text.reject",
        detail={"key": done.key, "locale": done.locale, "change": done.id},
    )
    status = "published" if action == "approve" else "rejected"
    raise web.HTTPSeeOther(f"/desk/texts/{done.key}?done={status}#{done.locale}")


async def approve(request: web.Request) -> web.StreamResponse:
    return await _decide(request, "approve")


async def reject(request: web.Request) -> web.StreamResponse:
    return await _decide(request, "reject")
