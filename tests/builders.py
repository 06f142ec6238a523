"""The tests tell their stories with the same scenario the demo uses."""

from simulation.scenario import *  # noqa: F403
from simulation.scenario import ADULT, FINANCE, MANAGER, PANEL, WORKER, Scenario, plan_for  # noqa: F401
