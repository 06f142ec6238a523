"""Temporal workflows and activities: the process that decides what may happen next on a case.

Activities are thin adapters over ``domain.application.CaseRecord``; see docs/decisions for how
commands carry workflow-generated command ids so that retries append nothing twice.
"""
