"""The case record: pure domain model of a council's personal budgets and direct payments.

Nothing here imports Temporal, HTTP, a database driver or the logger; events are the only output.
"""
