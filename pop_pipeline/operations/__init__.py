"""Operating a project home: failure alerts and moving a ``POP_HOME``."""
