"""Patterns, repeats and growth for a batch of whole households, decided as sets (polars).
The rules (`tests/signals/one_at_a_time.py` spells them one signal at a time):

- *meervoudig*: another partner has a signal for the household in the same calendar month
  (stored, or anywhere in the file: a later one makes an earlier one meervoudig too);
- *opeenvolgend*: otherwise, any signal of the household from the look-back window up to the
  start of this one's month;
- a *repeat* of the same partner (type and name) is suppressed unless its amount is higher
  than that partner's latest earlier signal within the window ("earlier": stored, or before
  it in `signals.ordering.ORDER`; of one date, the first stored or taken in) — then it *grew*;
- under the minimum amount it is suppressed whatever else holds.

Each rule is a filter over the pairs of a signal and its household's other signals (stored
and the file's): households hold few signals, so the pairs stay few.
"""

from __future__ import annotations

import polars as pl

from signals.patterns import (
    ENKELVOUDIG,
    MEERVOUDIG,
    OPEENVOLGEND,
    SUPPRESSED_REPEAT,
    SUPPRESSED_SMALL,
)

# "The same partner": its type and name (a missing name is the empty one).
PARTNER = pl.concat_str(
    pl.col("partner_type"), pl.col("partner_name").fill_null(""), separator="\x1f"
).alias("partner")
MONTH = pl.col("signal_date").dt.truncate("1mo").alias("month")
_OTHER = ("household_id", "seq", "signal_date", "amount_cents", "partner", "month")


def decide(
    signals: pl.DataFrame, stored: pl.DataFrame, minimum_cents: int, lookback_months: int
) -> tuple[pl.DataFrame, list[int]]:
    """`signals` (household_id, partner_type, partner_name, signal_date, amount_cents; in
    `signals.ordering.ORDER`) with `pattern`, `suppressed_reason` and `grew` added, and the
    ids of stored signals they make meervoudig. `stored`: as `storing.HISTORY`, in id order."""
    # One sequence for "before": stored signals in id order, then the file's in content order.
    known = stored.select(
        "household_id", "signal_date", "amount_cents", "id", "pattern", PARTNER, MONTH
    ).with_row_index("seq")
    mine = signals.select(
        "household_id",
        "signal_date",
        "amount_cents",
        PARTNER,
        MONTH,
        pl.col("signal_date").dt.offset_by(f"-{lookback_months}mo").alias("since"),
    ).with_row_index("seq", offset=known.height)
    others = pl.concat([known.select(_OTHER), mine.select(_OTHER)], how="vertical_relaxed").rename(
        {name: f"{name}_o" for name in _OTHER if name != "household_id"}
    )
    pairs = mine.join(others, on="household_id").filter(pl.col("seq_o") != pl.col("seq"))

    other_partner = (pl.col("month_o") == pl.col("month")) & (
        pl.col("partner_o") != pl.col("partner")
    )
    meervoudig = pairs.filter(other_partner).get_column("seq").unique()
    earlier = (
        pairs.filter(
            (pl.col("signal_date_o") >= pl.col("since"))
            & (pl.col("signal_date_o") < pl.col("month"))
        )
        .get_column("seq")
        .unique()
    )
    latest_same = (
        pairs.filter(
            (pl.col("partner_o") == pl.col("partner"))
            & (pl.col("seq_o") < pl.col("seq"))
            & pl.col("signal_date_o").is_between(pl.col("since"), pl.col("signal_date"))
        )
        .sort(["seq", "signal_date_o", "seq_o"], descending=[False, True, False])
        .group_by("seq", maintain_order=True)
        .first()
        .select("seq", pl.col("amount_cents_o").alias("latest_cents"))
    )
    retro = (
        known.filter(pl.col("pattern") != MEERVOUDIG)
        .select("seq", "id")
        .join(pairs.filter(other_partner).select(pl.col("seq_o").alias("seq")), on="seq")
        .get_column("id")
        .unique()
        .sort()
        .to_list()
    )

    seq, latest, amount = pl.col("seq"), pl.col("latest_cents"), pl.col("amount_cents")
    decided = (
        mine.select("seq", "amount_cents")
        .join(latest_same, on="seq", how="left", maintain_order="left")
        .select(
            pl.when(seq.is_in(meervoudig.implode()))
            .then(pl.lit(MEERVOUDIG))
            .when(seq.is_in(earlier.implode()))
            .then(pl.lit(OPEENVOLGEND))
            .otherwise(pl.lit(ENKELVOUDIG))
            .alias("pattern"),
            pl.when(amount < minimum_cents)
            .then(pl.lit(SUPPRESSED_SMALL))
            .when(amount <= latest)  # null (no earlier one) is not true
            .then(pl.lit(SUPPRESSED_REPEAT))
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("suppressed_reason"),
            (amount > latest).fill_null(False).alias("grew"),
        )
    )
    return pl.concat([signals, decided], how="horizontal"), retro
