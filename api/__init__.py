"""The council's HTTP API: commands become workflow updates; queries read projections."""
