"""DDAS v1.2 vocabulary: stored v0.9 results read as their v1.2 names

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00

DDAS v1.2 renamed two EnumEindresultaat values ("Inwoner hoeft geen hulp vanuit
vroegsignalering" → "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
"Verwijzing zonder contact" → "Verwijzing zonder tussenkomst inwoner"; v1.0 called the second
"Verwijzing zonder toestemming") and added values to EnumEindresultaat, EnumContactsoort and
EnumSignaalstatus. Zaadje stores and shows v1.2 words, so the stored results move on:

- `cases.result`, and `closed_result` in `cases.flow_state` (the flow engine's memory);
- `result` in `tasks.outcome` (what the caseworker recorded when completing a task).

Every v0.9 contact kind and signal status is still a v1.2 value: `contact_attempts.soort` and
`signals.status` need no change going up. `desk_audit.detail` is left as it was written: the
audit log records what happened, in the words of the day.

Downgrade maps back to v0.9 words, values v0.9 does not know to their nearest v0.9 value (as
a v0.9 delivery does): "Vervolghulp en/of verwijzing" → "… financieel"; contact kinds
"Afspraak op locatie" → "Huisbezoek", "Onbekend" → "Overige" (also in the flow state's
attempts); statuses "Opgepakt" → "Nog niet opgepakt" (the stored default, from which Zaadje
before v1.2 derives the status from the case) and "Inwoner al bekend bij
schuldhulpverlening" → "Niet opgepakt: andere reden".

The values are written out here rather than imported from `flows.ddas`: a migration must keep
doing what it did when the code around it changes.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GEEN_HULP = 'Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering'
ZONDER_INWONER = 'Verwijzing zonder tussenkomst inwoner'

RESULT_UP: dict[str, str] = {
    'Inwoner hoeft geen hulp vanuit vroegsignalering': GEEN_HULP,
    'Verwijzing zonder contact': ZONDER_INWONER,
    'Verwijzing zonder toestemming': ZONDER_INWONER,
}
RESULT_DOWN: dict[str, str] = {
    GEEN_HULP: 'Inwoner hoeft geen hulp vanuit vroegsignalering',
    ZONDER_INWONER: 'Verwijzing zonder contact',
    'Vervolghulp en/of verwijzing': 'Vervolghulp en/of verwijzing financieel',
}
SOORT_DOWN: dict[str, str] = {'Afspraak op locatie': 'Huisbezoek', 'Onbekend': 'Overige'}
STATUS_DOWN: dict[str, str] = {
    'Opgepakt': 'Nog niet opgepakt',
    'Inwoner al bekend bij schuldhulpverlening': 'Niet opgepakt: andere reden',
}

cases = sa.table(
    'cases',
    sa.column('id', sa.Integer),
    sa.column('result', sa.String),
    sa.column('flow_state', sa.JSON),
)
tasks = sa.table('tasks', sa.column('id', sa.Integer), sa.column('outcome', sa.JSON))
attempts = sa.table(
    'contact_attempts',
    sa.column('case_id', sa.Integer),
    sa.column('soort', sa.String),
)
signals = sa.table('signals', sa.column('status', sa.String))


def upgrade() -> None:
    _results(RESULT_UP)


def downgrade() -> None:
    _results(RESULT_DOWN)
    conn = op.get_bind()
    # Flow states that remember an attempt of a kind v0.9 lacks (read before the rows move).
    affected = sorted(
        {
            case_id
            for (case_id,) in conn.execute(
                sa.select(attempts.c.case_id).where(attempts.c.soort.in_(list(SOORT_DOWN)))
            )
        }
    )
    _values(attempts.c.soort, SOORT_DOWN)
    _values(signals.c.status, STATUS_DOWN)
    for start in range(0, len(affected), 500):
        rows = conn.execute(
            sa.select(cases.c.id, cases.c.flow_state).where(
                cases.c.id.in_(affected[start : start + 500]), cases.c.flow_state.is_not(None)
            )
        ).all()
        _store_states(conn, [(row.id, _state_soorts(row.flow_state)) for row in rows])


def _values(column: Any, mapping: Mapping[str, str]) -> None:
    for old, new in mapping.items():
        op.execute(sa.update(column.table).where(column == old).values({column.name: new}))


def _results(mapping: Mapping[str, str]) -> None:
    conn = op.get_bind()
    _values(cases.c.result, mapping)
    old = list(mapping)
    # The flow engine's memory: `closed_result` of a closed case (a re-opened case has none).
    rows = conn.execute(
        sa.select(cases.c.id, cases.c.flow_state).where(
            cases.c.flow_state['closed_result'].as_string().in_(old)
        )
    ).all()
    changed = []
    for row in rows:
        state = dict(row.flow_state)
        state['closed_result'] = mapping[state['closed_result']]
        changed.append((row.id, state))
    _store_states(conn, changed)
    # A task's recorded outcome: the result the caseworker chose (the case may have been
    # re-opened since; the outcome still says what was recorded then).
    rows = conn.execute(
        sa.select(tasks.c.id, tasks.c.outcome).where(tasks.c.outcome['result'].as_string().in_(old))
    ).all()
    if rows:
        conn.execute(
            sa.update(tasks).where(tasks.c.id == sa.bindparam('tid')),
            [
                {
                    'tid': row.id,
                    'outcome': {**row.outcome, 'result': mapping[row.outcome['result']]},
                }
                for row in rows
            ],
        )


def _state_soorts(state: dict[str, Any]) -> dict[str, Any]:
    out = dict(state)
    out['attempts'] = [
        {**a, 'soort': SOORT_DOWN.get(a.get('soort'), a.get('soort'))}
        for a in state.get('attempts') or []
    ]
    return out


def _store_states(conn: Any, changed: list[tuple[int, dict[str, Any]]]) -> None:
    if changed:
        conn.execute(
            sa.update(cases).where(cases.c.id == sa.bindparam('cid')),
            [{'cid': case_id, 'flow_state': state} for case_id, state in changed],
        )
