"""The event store: eventsourcing's SQLite and PostgreSQL recorders, plus the as-of index.

Every stored event also gets a row ``(case, version, recorded_at, chain_hash)`` in
``case_event_index``, written in the same transaction as the event itself. The index answers
"which version of this case was current at instant T" with one indexed lookup, and holds the
chain hash of every event so a removed or rewritten event is detectable.
"""
