"""Process entry points: the ``carecase`` command line, the Temporal worker, ``carecase run`` and the
Temporal dev server. Each wires itself through ``config.bootstrap``."""
