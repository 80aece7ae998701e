"""After every intake scenario: no signal or case points to a row that does not exist
(`zaadje db check`; signals and cases carry no foreign keys, see store/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.signals.checks import dangling

# The fixtures that give a test its database(s).
DATABASE_FIXTURES = ("db_url", "pg_url", "second_db")


@pytest.fixture(autouse=True)
def _no_row_points_nowhere(request: pytest.FixtureRequest) -> Iterator[None]:
    # Asked for here, so the databases are set up before and dropped after this check.
    urls = [request.getfixturevalue(n) for n in DATABASE_FIXTURES if n in request.fixturenames]
    yield
    for url in urls:
        assert dangling(url) == [], f"rows point nowhere in {url}"
