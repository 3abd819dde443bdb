"""What a ranking model trains and is tested on: the protocols' splits and the DuckDB tables,
read once."""
