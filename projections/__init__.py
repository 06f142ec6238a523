"""Read models built from the event store, each tracking its position in the same transaction.

- ``store``: the view store (SQLite file or PostgreSQL schema, as the events), the
  ``projection_tracking`` table and the ``projection_quarantine``; ``view_store_from_env(env)``
  builds it from the record's settings.
- ``base``: ``Projection``, its handlers registered by event class with ``@handles(Case.<Event>)``
  (decision 0017).
- ``derived``, ``case_rows``: views written from the case's state (decision 0009): at the end of
  each batch, or event by event beside the facts only the events hold.
- ``reading``: how each view's read queries (at the end of its module) answer with typed rows.
- ``current_case``, ``worklists``, ``overdue``, ``carers_register``, ``ledger``, ``audit_timeline``:
  the views (``catalogue.all_views``).
- ``runner``: ``ProjectionRunner`` (run once, catch up, rebuild, poll forever, release a
  quarantined case), exactly once by position; a poison event quarantines its case, not the views
  (decision 0013).
"""
