"""The simulation: the demo story (``scenario``), the seeded synthetic caseload (``caseload``), and
the demos that drive them through the case record or the HTTP API. Nothing in the product imports it;
the tests, the benchmarks and the demo commands do."""
