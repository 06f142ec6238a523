"""`make bench`: every figure measured side by side with its limit, written to docs/benchmarks.md
and docs/benchmarks.json. Timings are never asserted in the test suite; they live here."""
