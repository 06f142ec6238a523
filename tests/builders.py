"""The tests tell their stories with the same scenario the demo uses."""

from workers.scenario import *  # noqa: F403
from workers.scenario import ADULT, FINANCE, MANAGER, PANEL, WORKER, Scenario, plan_for  # noqa: F401
