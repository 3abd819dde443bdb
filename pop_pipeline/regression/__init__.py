"""The popularity-regression task glue between ml/ and defs/: protocols, data, fitting, packages
and pyfunc."""
