"""The registry of personal data covers every table and column Zaadje has, so a table added
later cannot slip past retention and data-subject requests."""

from __future__ import annotations

from sqlalchemy import String

from store.personal import REGISTRY, Erase, hashed_address, stale, unclassified
from store.schema import metadata

# Found through their own rules in scheduler/erasure.py: signals by case and id, households
# once none of their signals keeps personal data.
SPECIAL = {"signals", "households"}


def test_every_table_and_column_is_classified() -> None:
    assert unclassified(metadata) == [], "classify these in store/personal.py"
    assert stale(metadata) == [], "these no longer exist: update store/personal.py"


def test_every_table_with_personal_data_can_be_reached() -> None:
    for name, rule in REGISTRY.items():
        if rule.personal and name not in SPECIAL:
            ways = (rule.case_column, rule.address_columns, rule.scan_columns, rule.aged_by)
            assert any(ways), f"{name}: personal data, but no way to find a resident's rows"


def test_erased_values_fit_their_columns() -> None:
    for name, rule in REGISTRY.items():
        table = metadata.tables[name]
        for column_name, how in rule.personal.items():
            column = table.c[column_name]
            if how is Erase.PSEUDONYM:
                # "erased:<id>" must fit and stay unique.
                assert isinstance(column.type, String), f"{name}.{column_name}"
                assert column.type.length is None or column.type.length >= 27
            if how is Erase.HASH:
                assert isinstance(column.type, String) and column.type.length
                assert len(hashed_address("telegram:1234567890123")) <= column.type.length
            if how is Erase.NULL:
                assert column.nullable, f"{name}.{column_name} cannot be NULL: use BLANK"


def test_an_address_hash_recognises_the_address_and_nothing_else() -> None:
    assert hashed_address("+31611111111") == hashed_address("+31611111111")
    assert hashed_address("+31611111111") != hashed_address("+31611111112")
    assert "611111111" not in hashed_address("+31611111111")
    assert hashed_address(hashed_address("+31611111111")) == hashed_address("+31611111111")
