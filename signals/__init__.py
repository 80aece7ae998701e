"""signals room."""

import os

# polars' own jemalloc keeps freed pages for 10 s, across an intake's chunks (without this, a
# first intake of 200,000 rows on SQLite peaked at 290 MB, not 247; CPU the same). Read when
# polars loads: every import of polars in Zaadje is in this room, after this file.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
