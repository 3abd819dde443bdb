"""Run liveness and crash recovery: a run that dies never blocks another."""
