"""The `zaadje` command line: parses arguments and hands off to the command modules.

Every command takes `--db` and `--json`. A user mistake is one line on stderr with exit
code 2 (1 for a failed check), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module

from app.errors import UserError
from app.logs import configure_logging

# Command modules are imported by name so that a slow import (aiogram, twilio) is paid only
# by the commands that need it.
COMMAND_MODULES = (
    "db",
    "ingest",
    "cases",
    "case",
    "messages",
    "tick",
    "reply",
    "outbox",
    "tasks",
    "worker",
    "serve",
    "users",
    "monitor",
    "export",
    "feedback",
    "erase",
    "purge",
    "experiment",
    "telegram",
    "whatsapp",
    "letters",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message}")


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", help="database URL (overrides DATABASE_URL)")
    parent.add_argument("--json", action="store_true", help="machine-readable output")
    return parent


# Commands registered by a module of another name.
_MODULE_OF = {"task": "tasks"}


def _modules_for(argv: Sequence[str] | None) -> Sequence[str]:
    """Only the named command's module; all of them for help or an unknown command.

    Importing every command module cost each `zaadje` call ~2 s and ~40 MB before it started
    (the web service, the desk, the DDAS schema); a big ingest paid that in its memory peak.
    """
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    if words:
        name = _MODULE_OF.get(words[0], words[0])
        if name in COMMAND_MODULES:
            return (name,)
    return COMMAND_MODULES


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="zaadje", description="Vroegsignalering: early outreach to residents.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    parent = common_options()
    for name in _modules_for(argv):
        module = import_module(f"app.commands.{name}")
        module.register(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        # Warnings of short commands go through the same masking as the service's logs;
        # `serve` and `worker` raise the level to INFO themselves.
        configure_logging(logging.WARNING)
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        code: int = args.handler(args)
        return code
    except UserError as exc:
        text = str(exc)
        print(text if text.startswith("zaadje") else f"zaadje: {text}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; that is not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("zaadje: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
