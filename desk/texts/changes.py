"""Drafts, four-eyes approval, rejection and history of message texts.

A communicator saves a draft of one text in one language; a second person (communicator or
admin, never the author) approves it, which publishes it into the catalogue at once (see
messages.publish), or rejects it with a reason. Every change stays in `text_changes`: who
proposed what, who decided, when, and the text before and after.

One open draft per text: saving again updates your own draft; saving over someone else's
draft replaces it (the older one is kept as `superseded`), so the approver always sees the
newest proposal and its author. An approval names the revision the approver saw, so a text
changed in the meantime is never published unseen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.access import User
from desk.texts.preview import Finding, preview
from messages import publish
from messages.keys import KEYS_BY_NAME, Key
from store.models import table_of
from store.text_models import TextChange

changes_t = table_of(TextChange)

TEXT_ROLES = ("communicator", "admin")  # who may write and who may approve: the same


def N_(message: str) -> str:
    """Marks an interface text for extraction (pybabel); translated where it is shown."""
    return message


class TextError(Exception):
    """A text action that cannot be done, and why: `message` is an interface text (English
    msgid of the desk's catalogue) with %(name)s values, translated by the page that shows it."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


class NotAllowed(TextError):
    """The person may not do this (e.g. approve their own draft)."""


class Blocked(TextError):
    """The text breaks a rule that must hold before residents get it."""

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = list(findings)


@dataclass(frozen=True)
class Change:
    id: int
    key: str
    locale: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    status: str  # pending / published / rejected / superseded
    revision: int
    author_id: int
    author_name: str
    created_at: datetime
    updated_at: datetime
    reviewer_name: str | None
    reviewed_at: datetime | None
    published_at: datetime | None
    note: str | None

    @property
    def pending(self) -> bool:
        return self.status == "pending"


def _change(row: Any) -> Change:
    return Change(
        id=row.id,
        key=row.key,
        locale=row.locale,
        before=tuple(row.before or ()),
        after=tuple(row.after or ()),
        status=row.status,
        revision=row.revision,
        author_id=row.author_id,
        author_name=row.author_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reviewer_name=row.reviewer_name,
        reviewed_at=row.reviewed_at,
        published_at=row.published_at,
        note=row.note,
    )


def _slot(key: str, locale: str) -> str:
    return f"{locale}:{key}"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def text_key(name: str) -> Key:
    key = KEYS_BY_NAME.get(name)
    if key is None:
        raise TextError(N_("Unknown text %(key)s."), key=name)
    return key


def check_locale(locale: str) -> str:
    if locale not in publish.known_locales():
        raise TextError(N_("Unknown language %(locale)s."), locale=locale)
    return locale


def _require_role(user: User, roles: Sequence[str]) -> None:
    if user.role not in roles:
        raise NotAllowed(N_("Only communicators and administrators may change texts."))


def expected_forms(key: Key, locale: str) -> int:
    """How many texts a change of `key` in `locale` needs (the plural forms of the language)."""
    return publish.current(key.name, locale).nplurals if key.plural else 1


def _clean_forms(key: Key, locale: str, forms: Sequence[str]) -> tuple[str, ...]:
    wanted = expected_forms(key, locale)
    if len(forms) != wanted:
        raise TextError(
            N_("%(key)s needs %(wanted)d forms in this language, not %(given)d."),
            key=key.name,
            wanted=wanted,
            given=len(forms),
        )
    # Browsers send \r\n from a textarea; the catalogue and the SMS use \n.
    cleaned = tuple(form.replace("\r\n", "\n").replace("\r", "\n").strip() for form in forms)
    if not all(cleaned):
        raise TextError(N_("A text cannot be empty."))
    return cleaned


# ---------------------------------------------------------------- reading


async def get_change(engine: AsyncEngine, change_id: int) -> Change:
    async with engine.connect() as conn:
        row = (await conn.execute(select(changes_t).where(changes_t.c.id == change_id))).first()
    if row is None:
        raise TextError(N_("Change %(id)d does not exist."), id=change_id)
    return _change(row)


async def pending(engine: AsyncEngine) -> dict[tuple[str, str], Change]:
    """Every open draft, by (key, locale)."""
    query = select(changes_t).where(changes_t.c.status == "pending")
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {(r.key, r.locale): _change(r) for r in rows}


async def history(
    engine: AsyncEngine, *, key: str | None = None, locale: str | None = None, limit: int = 500
) -> list[Change]:
    """Changes, newest first (optionally of one key and/or one language)."""
    query = select(changes_t).order_by(changes_t.c.updated_at.desc(), changes_t.c.id.desc())
    if key is not None:
        query = query.where(changes_t.c.key == key)
    if locale is not None:
        query = query.where(changes_t.c.locale == locale)
    async with engine.connect() as conn:
        rows = (await conn.execute(query.limit(limit))).all()
    return [_change(r) for r in rows]


# ---------------------------------------------------------------- drafting


async def save_draft(
    engine: AsyncEngine,
    user: User,
    key_name: str,
    locale: str,
    forms: Sequence[str],
    *,
    now: datetime | None = None,
) -> Change:
    """Save `forms` as the open draft of this text (yours updated, someone else's replaced)."""
    _require_role(user, TEXT_ROLES)
    key = text_key(key_name)
    check_locale(locale)
    after = _clean_forms(key, locale, forms)
    before = publish.current(key.name, locale).forms
    moment = _now(now)
    for _ in range(3):  # a draft saved by someone else at the same moment: try again
        try:
            async with engine.begin() as conn:
                change_id = await _save(conn, user, key.name, locale, before, after, moment)
            return await get_change(engine, change_id)
        except IntegrityError:
            continue
    raise TextError(N_("Someone else is saving this text at the same moment; try again."))


async def _save(
    conn: AsyncConnection,
    user: User,
    key: str,
    locale: str,
    before: tuple[str, ...],
    after: tuple[str, ...],
    moment: datetime,
) -> int:
    slot = _slot(key, locale)
    open_row = (
        await conn.execute(select(changes_t).where(changes_t.c.open_slot == slot).with_for_update())
    ).first()
    if open_row is None and after == before:
        raise TextError(N_("The text has not changed."))
    if open_row is not None and open_row.author_id == user.id:
        await conn.execute(
            update(changes_t)
            .where(changes_t.c.id == open_row.id)
            .values(
                after=list(after),
                before=list(before),
                revision=open_row.revision + 1,
                author_name=user.name,
                updated_at=moment,
            )
        )
        return int(open_row.id)
    if open_row is not None:
        await conn.execute(
            update(changes_t)
            .where(changes_t.c.id == open_row.id)
            .values(status="superseded", open_slot=None, updated_at=moment)
        )
    result = await conn.execute(
        insert(changes_t)
        .values(
            key=key,
            locale=locale,
            before=list(before),
            after=list(after),
            status="pending",
            open_slot=slot,
            revision=1,
            author_id=user.id,
            author_name=user.name,
            created_at=moment,
            updated_at=moment,
        )
        .returning(changes_t.c.id)
    )
    return int(result.scalar_one())


# ---------------------------------------------------------------- deciding


async def _pending_change(engine: AsyncEngine, change_id: int, revision: int) -> Change:
    change = await get_change(engine, change_id)
    if not change.pending:
        raise TextError(N_("This change was already decided (%(status)s)."), status=change.status)
    if change.revision != revision:
        raise TextError(N_("The draft was changed meanwhile; look at the new version first."))
    return change


async def _close(
    conn: AsyncConnection, change: Change, status: str, values: dict[str, Any]
) -> None:
    """Move a pending change to `status`, only if nobody else decided or edited it meanwhile."""
    result = await conn.execute(
        update(changes_t)
        .where(
            changes_t.c.id == change.id,
            changes_t.c.status == "pending",
            changes_t.c.revision == change.revision,
        )
        .values(status=status, open_slot=None, **values)
    )
    if result.rowcount != 1:
        raise TextError(N_("Someone else changed or decided this draft meanwhile."))


async def approve(
    engine: AsyncEngine,
    user: User,
    change_id: int,
    revision: int,
    *,
    now: datetime | None = None,
) -> Change:
    """Approve a draft and publish it. Four eyes: never by its author; never with an error."""
    _require_role(user, TEXT_ROLES)
    change = await _pending_change(engine, change_id, revision)
    if change.author_id == user.id:
        raise NotAllowed(N_("You cannot approve your own draft: a second person must."))
    key = text_key(change.key)
    found = preview(key, change.locale, change.after)
    if found.blocks_approval:
        raise Blocked(N_("This text breaks a rule and cannot be approved."), found.errors)
    moment = _now(now)
    async with engine.begin() as conn:
        # Claim the row first (a row lock on PostgreSQL, the write lock on SQLite), then write
        # the catalogue; a failed write rolls the claim back and the draft stays open.
        values = {
            "reviewer_id": user.id,
            "reviewer_name": user.name,
            "reviewed_at": moment,
            "published_at": moment,
            "updated_at": moment,
        }
        await _close(conn, change, "published", values)
        try:
            done = await asyncio.to_thread(publish.publish, change.key, change.locale, change.after)
        except publish.PublishError as exc:
            raise TextError(N_("Cannot publish: %(reason)s"), reason=str(exc)) from exc
        except OSError as exc:
            raise TextError(
                N_(
                    "The catalogue cannot be written (%(reason)s). Set [messages] override_dir"
                    " to a folder Zaadje may write to."
                ),
                reason=exc.strerror or str(exc),
            ) from exc
        # The text actually replaced, which may differ from what the draft started from.
        await conn.execute(
            update(changes_t).where(changes_t.c.id == change.id).values(before=list(done.before))
        )
    return await get_change(engine, change.id)


async def reject(
    engine: AsyncEngine,
    user: User,
    change_id: int,
    revision: int,
    note: str,
    *,
    now: datetime | None = None,
) -> Change:
    """Reject a draft with a reason (its author may withdraw it the same way)."""
    _require_role(user, TEXT_ROLES)
    reason = note.strip()
    if not reason:
        raise TextError(N_("Say briefly why the text is rejected."))
    change = await _pending_change(engine, change_id, revision)
    moment = _now(now)
    async with engine.begin() as conn:
        values = {
            "reviewer_id": user.id,
            "reviewer_name": user.name,
            "reviewed_at": moment,
            "updated_at": moment,
            "note": reason[:2000],
        }
        await _close(conn, change, "rejected", values)
    return await get_change(engine, change.id)
