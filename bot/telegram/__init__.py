"""Chat through Telegram (aiogram 3): the channel, linking a chat to a case by a short code,
one Router per feature, the update store, the webhook handler and polling.

Importing this package costs nothing; aiogram (slow to import) is only loaded by the modules
that talk to the Bot API (`channel`, `routers`, `handling`, `polling`).
"""
