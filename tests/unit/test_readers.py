import tracemalloc
from pathlib import Path

import pytest

from tradecredit.domain.errors import ImportRejected
from tradecredit.services.readers import open_table


def test_rows_are_streamed_so_memory_stays_flat_on_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("invoice_ref,buyer_ref,issue_date,due_date,currency,amount\n")
        for n in range(200_000):
            file.write(f"INV{n:08d},B{n % 977:06d},2026-01-01,2026-01-31,EUR,{n % 10_000}.25\n")
    assert path.stat().st_size > 10 * 2**20
    tracemalloc.start()
    with open_table(path) as table:
        count = sum(1 for _ in table.rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 2 * 2**20, f"reading a {path.stat().st_size // 2**20} MiB file peaked at {peak // 1024} KiB"


def test_line_numbers_count_the_header_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("buyer_ref;name;country\nB1;Ä GmbH;DE\n\nB2;\"Semi;colon SA\";FR\n", encoding="utf-8")
    with open_table(path) as table:
        assert table.header == ["buyer_ref", "name", "country"]
        assert list(table.rows) == [(2, ["B1", "Ä GmbH", "DE"]), (4, ["B2", "Semi;colon SA", "FR"])]


def test_a_file_that_changes_encoding_midway_is_refused_at_that_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    head = "buyer_ref,name,country\n" + "".join(f"B{n},Name {n},DE\n" for n in range(5000))
    path.write_bytes(head.encode("utf-8") + "B9,上海,CN\n".encode("gb18030"))
    with pytest.raises(ImportRejected) as caught, open_table(path) as table:
        list(table.rows)
    assert caught.value.errors[0].line == 5002
    assert "not valid text in the encoding of the first lines" in caught.value.errors[0].reason
