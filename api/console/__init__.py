"""The web console under /console (decision 0042): server-rendered pages for operations and auditors."""
