"""Vectorised, portfolio-wide computations: Polars tables in, Polars tables out, no database."""
