"""Read models built from the event store, each tracking its position in the same transaction."""
