"""signals room."""

import os

# polars allocates through its own jemalloc, which by default keeps freed pages for 10 s:
# across an intake's chunks that kept some 50 MB it no longer used (peak RSS on 200,000 rows,
# SQLite: 290 MB with the default, 247 MB with these). Read once, when polars loads; set here
# because every import of polars in Zaadje is in this room and comes after this file.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")
