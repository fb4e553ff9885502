"""The `tradecredit` command line."""
