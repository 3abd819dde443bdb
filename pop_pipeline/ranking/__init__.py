"""The retweet-ranking task glue between ml/ and defs/: protocols, data, fitting, packages and
pyfuncs."""
