"""Applying flow events to stored cases: load the case under a lock, run the pure engine,
carry out its actions in the database. Used by the scheduler, the bot and the desk alike."""
