"""Pure domain model: entities, values and rules, no I/O and no frameworks."""
