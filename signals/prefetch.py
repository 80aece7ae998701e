"""Validated batches, read ahead in a child process for big files.

Parsing and validating a row costs about as much Python time as storing it, and the intake
has two cores: a child process (`python -m signals.prefetch`) reads and validates batch n+1
while this process stores batch n. The child only reads the file; every write stays here, in
file order, one transaction per batch — so a crash still loses at most the batch in flight,
and if this process dies the child's next write to the closed pipe ends it.

Small files are validated in-process: starting a child would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import struct
import sys
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO

from signals.batching import Batch, validated_batches
from signals.collector import collecting_every
from signals.reader import FileWarning, Unreadable, open_rows
from signals.validate import ParsedSignal

# Below this size (~30,000 rows) the file is validated in-process.
CHILD_MIN_BYTES = 5_000_000
_LENGTH = struct.Struct("!Q")


def check_readable(path: Path, fmt: str | None) -> None:
    """Raise `Unreadable` if the file cannot be read at all (nothing may be written then)."""
    rows = open_rows(path, fmt, [])
    try:
        next(rows, None)
    except UnicodeDecodeError as exc:
        raise Unreadable(f"{path}: not UTF-8 text") from exc
    finally:
        rows.close()


def _batches(path: Path, fmt: str | None, today: date, batch_size: int) -> Any:
    warnings: list[FileWarning] = []
    # open_rows fills `warnings` (unknown columns) when it reads the header, i.e. on the
    # first row, before validated_batches looks at them for the first batch.
    rows = open_rows(path, fmt, warnings)
    first = next(rows, None)

    def all_rows() -> Any:
        if first is not None:
            yield first
        yield from rows

    return validated_batches(all_rows(), today, batch_size, warnings)


@asynccontextmanager
async def batches_of(
    path: Path, fmt: str | None, today: date, batch_size: int
) -> AsyncIterator[AsyncIterator[Batch]]:
    if path.stat().st_size < CHILD_MIN_BYTES:
        yield _in_process(path, fmt, today, batch_size)
        return
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "signals.prefetch",
        str(path),
        fmt or "",
        today.isoformat(),
        str(batch_size),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": _package_root()},
    )
    try:
        yield _from_child(proc)
    finally:
        if proc.returncode is None:
            proc.kill()  # our own child, stopped early because storing failed
        await proc.wait()


async def _in_process(path: Path, fmt: str | None, today: date, batch_size: int) -> Any:
    for batch in _batches(path, fmt, today, batch_size):
        yield batch


async def _from_child(proc: asyncio.subprocess.Process) -> AsyncIterator[Batch]:
    assert proc.stdout is not None
    while True:
        (size,) = _LENGTH.unpack(await proc.stdout.readexactly(_LENGTH.size))
        kind, payload = pickle.loads(await proc.stdout.readexactly(size))
        if kind == "end":
            return
        if kind == "error":
            raise RuntimeError(f"validating the file failed:\n{payload}")
        yield _unpack(payload)


def _pack(batch: Batch) -> tuple[Any, ...]:
    # Plain tuples pickle at about twice the speed of the slotted dataclasses.
    return (
        [_fields(s) for s in batch.signals],
        batch.warned_lines,
        batch.issues,
        batch.received,
        batch.rejected,
    )


_FIELDS = attrgetter(*ParsedSignal.__slots__)


def _fields(s: ParsedSignal) -> tuple[Any, ...]:
    return _FIELDS(s)


def _unpack(payload: tuple[Any, ...]) -> Batch:
    signals, warned_lines, issues, received, rejected = payload
    return Batch([ParsedSignal(*s) for s in signals], warned_lines, issues, received, rejected)


def _package_root() -> str:
    root = str(Path(__file__).resolve().parents[1])
    existing = os.environ.get("PYTHONPATH")
    return f"{root}{os.pathsep}{existing}" if existing else root


def _send(out: BinaryIO, kind: str, payload: Any) -> None:
    data = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def main(argv: list[str]) -> int:
    path, fmt, today, batch_size = argv
    out = sys.stdout.buffer
    try:
        with collecting_every() as collector:
            batches = _batches(Path(path), fmt or None, date.fromisoformat(today), int(batch_size))
            for batch in batches:
                _send(out, "batch", _pack(batch))
                collector.batch_done()
        _send(out, "end", None)
    except (BrokenPipeError, KeyboardInterrupt):
        return 1  # the intake is gone; nothing to report to
    except Exception:
        _send(out, "error", traceback.format_exc())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
