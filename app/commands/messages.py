"""`zaadje messages check` and `zaadje messages preview`: the communicators' tools."""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.output import emit_json


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "messages",
        parents=[parent],
        help="check and preview the texts sent to residents",
        description="Check and preview the texts sent to residents (messages/locales/*.po).",
    )
    commands = parser.add_subparsers(
        dest="messages_command", required=True, parser_class=type(parser)
    )

    check = commands.add_parser(
        "check",
        parents=[parent],
        help="check every catalogue against the text rules",
        description="Check every catalogue: placeholders, forbidden content, SMS length,"
        " Dutch readability, right-to-left text, plural forms, missing or fuzzy texts."
        " Exit code 1 when there are errors.",
    )
    check.add_argument("--locales-dir", type=Path, help="check this directory instead")
    check.add_argument(
        "--set",
        dest="values",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="count SMS parts with this value instead of the longest sample,"
        " e.g. --set gemeente=Utrecht",
    )
    check.set_defaults(handler=run_check)

    preview = commands.add_parser(
        "preview",
        parents=[parent],
        help="show one text as a resident gets it",
        description="Show one text as a resident gets it, with its encoding and SMS parts."
        " Placeholders get their longest sample values unless --set or --typical.",
    )
    preview.add_argument("key", help="message key, e.g. sms.first_contact")
    preview.add_argument("--locale", default="nl", help="resident's language (default nl)")
    preview.add_argument("--set", dest="values", action="append", default=[], metavar="NAME=VALUE")
    preview.add_argument("--n", type=int, help="the number for plural texts (default 2)")
    preview.add_argument(
        "--typical", action="store_true", help="ordinary instead of longest values"
    )
    preview.add_argument(
        "--draft", action="store_true", help="also show texts that still need review (fuzzy)"
    )
    preview.add_argument("--locales-dir", type=Path, help="read the catalogues from here")
    preview.set_defaults(handler=run_preview)


def _parse_values(pairs: list[str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise UserError(f"--set needs NAME=VALUE, got {pair!r}")
        value: object = raw
        if name == "datum":
            try:
                value = dt.date.fromisoformat(raw)
            except ValueError as exc:
                raise UserError(f"--set datum=YYYY-MM-DD, got {raw!r}") from exc
        elif name == "n":
            try:
                value = int(raw)
            except ValueError as exc:
                raise UserError(f"--set n needs a whole number, got {raw!r}") from exc
        values[name] = value
    return values


def _locales_dir(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise UserError(f"no such directory: {path}")
    return path


# ---------------------------------------------------------------- check


def run_check(args: argparse.Namespace) -> int:
    from messages.rules import check

    directory = _locales_dir(args.locales_dir)
    report = check(directory, values=_parse_values(args.values))
    if args.json:
        emit_json(report.as_json())
        return 0 if report.ok else 1
    for finding in report.errors:
        print(finding)
    fuzzy = Counter(f.locale for f in report.warnings if f.rule == "fuzzy")
    for finding in report.warnings:
        if finding.rule != "fuzzy":
            print(finding)
    for locale, count in fuzzy.items():
        print(
            f"warning: {locale}: {count} texts need review (fuzzy); residents get the"
            " fallback language until a reviewer removes the fuzzy mark"
        )
    where = directory or "messages/locales"
    print(
        f"{'OK' if report.ok else 'FAILED'}: {len(report.errors)} errors,"
        f" {len(report.warnings)} warnings in {where}"
    )
    return 0 if report.ok else 1


# ---------------------------------------------------------------- preview


def _sample_values(key: Any, locale: str, typical: bool) -> list[dict[str, object]]:
    from messages.keys import DAYPARTS, PLACEHOLDERS
    from messages.rules import TYPICAL_DATE, longest_date

    base: dict[str, object] = {}
    for name in key.placeholders:
        spec = PLACEHOLDERS[name]
        if spec.kind == "date":
            base[name] = TYPICAL_DATE if typical else longest_date(locale)
        elif spec.kind == "count":
            base[name] = 2
        elif spec.kind == "daypart":
            base[name] = DAYPARTS[0]
        else:
            base[name] = spec.typical if typical else spec.longest
    if typical or "dagdeel" not in key.placeholders:
        return [base]
    return [{**base, "dagdeel": part} for part in DAYPARTS]


def run_preview(args: argparse.Namespace) -> int:
    from messages import KEYS_BY_NAME, MessageError, normalise_locale, render_detail

    key = KEYS_BY_NAME.get(args.key)
    if key is None:
        close = difflib.get_close_matches(args.key, list(KEYS_BY_NAME), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UserError(f"unknown message key {args.key!r}{hint}")
    locale = normalise_locale(args.locale)
    overrides = _parse_values(args.values)
    if args.n is not None:
        overrides["n"] = args.n
    directory = _locales_dir(args.locales_dir)
    try:
        candidates = [
            render_detail(
                key.name, locale, locales_dir=directory, draft=args.draft, **{**sample, **overrides}
            )
            for sample in _sample_values(key, locale, args.typical)
        ]
    except MessageError as exc:
        raise UserError(str(exc)) from exc
    shown = max(candidates, key=lambda r: (r.segments, r.characters))
    if args.json:
        emit_json(
            {
                "key": shown.key,
                "locale": shown.locale,
                "requested_locale": shown.requested_locale,
                "fallback": shown.fallback,
                "kind": key.kind,
                "text": shown.text,
                "encoding": shown.encoding,
                "segments": shown.segments,
                "characters": shown.characters,
            }
        )
        return 0
    print(shown.text)
    print("-" * 40)
    print(f"key:        {shown.key} ({key.kind})")
    note = ""
    if shown.fallback:
        note = (
            f" (no reviewed {shown.requested_locale} text yet; residents get this."
            " --draft shows the draft)"
        )
    print(f"locale:     {shown.locale}{note}")
    print(f"encoding:   {shown.encoding}")
    parts = f"{shown.segments}" + (
        "" if key.kind == "sms" else f" (if sent as SMS; this is {key.kind})"
    )
    print(f"segments:   {parts}")
    print(f"characters: {shown.characters}")
    return 0
