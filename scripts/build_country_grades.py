"""Build the shipped country grades from the World Bank WGI long table (developers only; never run by the app).

Usage, from the repository root::

    python scripts/build_country_grades.py PATH/TO/wgi_2020_update_long_from_raw.csv

Reads the long WGI table (columns indicator, code, year, estimate, …), applies
:func:`tradecredit.engine.country.country_grades` with the default method and writes
``src/tradecredit/data/country/wgi_grades.csv``. Prints the source's SHA-256 (to copy into ``SOURCES.md`` when
it changes) and the grade distribution of the latest year, so a rebuild can be checked at a glance.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import polars as pl

from tradecredit.engine.country import country_grades

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "tradecredit" / "data" / "country" / "wgi_grades.csv"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(source: Path, output: Path) -> pl.DataFrame:
    """Grade every (country, year) in ``source`` and write the CSV (UTF-8, ``\\n`` line ends, empty = null)."""
    wgi = pl.read_csv(source, columns=["indicator", "code", "year", "estimate"])
    grades = country_grades(wgi)
    output.parent.mkdir(parents=True, exist_ok=True)
    grades.write_csv(output, line_terminator="\n")
    return grades


def summary(grades: pl.DataFrame) -> str:
    latest = int(grades.select(pl.col("year").max()).item())
    year = grades.filter(pl.col("year") == latest)
    counts = year.get_column("grade").value_counts().sort("grade", nulls_last=True)
    first = int(grades.select(pl.col("year").min()).item())
    lines = [f"{grades.height} rows, {grades.get_column('country').n_unique()} countries, years {first}–{latest}",
             f"{latest}: {year.height} countries; grade: count"]
    lines += [f"  {'none' if grade is None else grade}: {count}" for grade, count in counts.iter_rows()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", type=Path, help="wgi_2020_update_long_from_raw.csv (long WGI table)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"output CSV (default {OUTPUT})")
    args = parser.parse_args()
    grades = build(args.source, args.out)
    print(f"source sha256 {sha256_of(args.source)}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(summary(grades))


if __name__ == "__main__":
    main()
