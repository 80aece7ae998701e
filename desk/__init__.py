"""The desk: web pages for caseworkers, communicators and coordinators under /desk.

access.py       the guard every part uses: require_user, render, audit (the contract)
app.py          the desk application: routes of every part, the login guard middleware
sessions.py     server-side sessions (hashed cookie tokens, idle and absolute expiry)
throttle.py     login rate limiting, kept in the database
users.py        desk users with argon2 password hashes (`zaadje users add`)
i18n.py         the desk's own interface texts (gettext domain `desk`), build.py updates them
queue.py        the caseworkers' work queue (filters, keyset paging)
case_view.py    the case page's data: household, signals, tasks, one timeline
outcome.py      the DDAS codes of a recorded attempt
sending.py      catalogue and free texts to a resident, through the outbox
slots.py        contact slots a task can be snoozed to
coordinator.py  the coordinator's day: capacity, overdue, deadlines, priority bands
*_routes.py     the HTTP handlers of each page
"""
