"""The staff console: clinic staff review the conversations Rasa stored.

It reads Rasa's `events` table (written by clinicbot.stores.tracker, already
redacted) and keeps its own data in `console_*` tables of the same database.
Only the retention purge ever deletes from `events`; nothing writes to it."""
