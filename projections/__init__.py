"""Read models built from the event store, each tracking its position in the same transaction.

- ``store``: the view store (SQLite file or PostgreSQL schema, as the events), the
  ``projection_tracking`` table and the ``projection_quarantine``; ``view_store_from_env(env)``
  builds it from the record's settings.
- ``base``: ``Projection``, one ``on_<EventType>`` handler per event type it reads.
- ``current_case``, ``audit_timeline``: the first two views.
- ``runner``: ``ProjectionRunner`` (run once, catch up, rebuild, poll forever, release a
  quarantined case), exactly once by position; a poison event quarantines its case, not the views
  (decision 0013).
"""
