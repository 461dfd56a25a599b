"""``sparq-rtl sweep --estimate``: every design priced without a tool, the fronts and the command
that confirms them; bad requests are one named line."""

import csv
import re

import pytest

from hdl import cli as hdl_cli
from sweep.estimated import front


def test_front_keeps_only_undominated_points():
    pts = [(100, 1.0, "a"), (200, 0.5, "b"), (200, 3.0, "c"), (300, 2.0, "d"), (400, 4.0, "e")]
    assert front(pts) == [(100, 1.0, "a"), (200, 3.0, "c"), (400, 4.0, "e")]


def test_estimated_sweep_writes_table_front_and_command(tmp_path, capsys):
    status = hdl_cli.main(["sweep", "--blocks", "pe", "array", "--sizes", "2x2", "4x4",
                           "--options", "5", "3", "--estimate", "-d", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert re.search(r"\d+ designs estimated in [\d.]+ s", err)
    with (tmp_path / "estimate.csv").open() as f:
        rows = list(csv.DictReader(f))
    # sparq 5opt and 3opt (nearest-even), int8 and a4w8: 4 settings x (PE + 2 arrays)
    assert len(rows) == 12
    assert all(float(r["ice40.luts"]) > 0 and float(r["asic-osu018.area"]) > 0 for r in rows)
    md = (tmp_path / "estimate.md").read_text()
    assert "## Pareto front on ice40" in md and "sparq-rtl synth --designs " in md
    assert (tmp_path / "estimate-pareto.png").stat().st_size > 10_000


@pytest.mark.parametrize("args, message", [
    (["--targets", "xc7"], r"--estimate: target 'xc7' has no estimate"),
    (["--jobs", "2"], r"--estimate runs no task: --scheduler, --jobs, --retry and --force"),
])
def test_bad_estimate_request_is_one_line(tmp_path, capsys, args, message):
    status = hdl_cli.main(["sweep", "--blocks", "pe", *args, "--estimate", "-d", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and re.search(message, err[0]), err
