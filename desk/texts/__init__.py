"""The communicators' part of the desk: edit, review and publish message texts."""
