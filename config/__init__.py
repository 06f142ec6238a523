"""Configuration: settings read from the environment, logging, and the one bootstrap that wires a
process (``config.bootstrap``). Every process entry point in ``workers/`` starts here."""
