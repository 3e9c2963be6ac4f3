"""One package per agent service (spoke)."""
