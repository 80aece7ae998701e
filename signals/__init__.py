"""signals room."""

import os

# polars allocates through its own jemalloc, which by default keeps freed pages for 10 s:
# across an intake's chunks that kept memory it no longer used (peak RSS of a first intake on
# SQLite: 290 against 247 MB on 200,000 rows, 289 against 276 MB on 1,000,000; CPU per row
# the same within the noise). Read once, when polars loads; set here because every import of
# polars in Zaadje is in this room and comes after this file.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
