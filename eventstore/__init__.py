"""The event store: the contract the case record relies on (``contract.CaseStore``), eventsourcing's
SQLite and PostgreSQL recorders that fulfil it, the as-of index, the payment outbox, and the mapper
that defines the stored form of an event (``mapper``).

Every stored event also gets a row ``(case, version, recorded_at, chain_hash)`` in
``case_event_index``, written in the same transaction as the event itself. The index answers
"which version of this case was current at instant T" with one indexed lookup, and holds the
chain hash of every event so a removed or rewritten event is detectable.
"""
