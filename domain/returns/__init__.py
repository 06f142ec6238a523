"""The council's statutory returns, built from the case record (decision 0045)."""
