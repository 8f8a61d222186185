"""Batch scoring: every input format, errors file, resume after kill -9, model-change refusal, dedup."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from serving.readers import InputError, read_records
from serving.score import ScoreOptions, run_score

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    {"id": "a", "title": "Block", "text": "The regulator blocked VPN services and websites."},
    {"id": "b", "text": "Officials accused foreign agents of meddling in the vote."},
    {"id": "c", "text": "The football club won the cup."},
]


def output_ids(out: Path) -> list[str]:
    parts = sorted(out.glob("part-*.parquet"))
    return [i for p in parts for i in pq.read_table(p, columns=["id"]).column("id").to_pylist()]


def score(source: str, out: Path, package: Path, **kw: object) -> object:
    settings: dict[str, object] = {"model_uri": str(package), "backend": "torch", "progress": False, "part_size": 2}
    opts = ScoreOptions(source=source, output=out, **(settings | kw))  # type: ignore[arg-type]
    return run_score(opts, log=lambda _m: None)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "folder"])
def test_each_input_format(tmp_path: Path, tiny_package: Path, fmt: str) -> None:
    if fmt == "jsonl":
        source = tmp_path / "in.jsonl"
        source.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    elif fmt == "csv":
        source = tmp_path / "in.csv"
        source.write_text("id,title,text\n" + "".join(f'{d["id"]},{d.get("title", "")},"{d["text"]}"\n' for d in DOCS))
    elif fmt == "parquet":
        source = tmp_path / "in.parquet"
        pq.write_table(pa.Table.from_pylist([d | {"title": d.get("title")} for d in DOCS]), source)
    else:
        source = tmp_path / "in"
        source.mkdir()
        for d in DOCS:
            (source / f"{d['id']}.txt").write_text((d.get("title", "") + "\n" if "title" in d else "") + d["text"])
    out = tmp_path / "out"
    summary = score(str(source), out, tiny_package)
    assert summary.scored == 3 and summary.failed == 0  # type: ignore[attr-defined]
    assert sorted(output_ids(out)) == ["a", "b", "c"]
    table = pq.read_table(sorted(out.glob("part-*.parquet"))[0])
    assert {"internet_control_probability", "foreign_interference_present", "topics", "model_name"} <= set(
        table.column_names
    )
    if fmt == "folder":
        assert [r.title for r in read_records(str(source))] == ["Block", None, None]


def test_stdin_and_jsonl_output(tmp_path: Path, tiny_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO("".join(json.dumps(d) + "\n" for d in DOCS).encode()))
    monkeypatch.setattr(sys, "stdin", stream)
    out = tmp_path / "out"
    score("-", out, tiny_package, fmt="jsonl")
    rows = [json.loads(line) for p in sorted(out.glob("part-*.jsonl")) for line in p.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]


def test_bad_records_go_to_errors_file_and_run_continues(tmp_path: Path, tiny_package: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        json.dumps(DOCS[0]).encode()
        + b"\n{broken\n"
        + b'{"id": "x"}\n'
        + b'{"id": "y", "text": "caf\xe9"}\n'
        + json.dumps(DOCS[1]).encode()
        + b"\n"
    )
    out = tmp_path / "out"
    summary = score(str(source), out, tiny_package)
    assert (summary.scored, summary.failed) == (2, 3)  # type: ignore[attr-defined]
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["reason"].split(" (")[0]) for e in errors] == [
        (2, "invalid JSON"),
        (3, "field 'text': expected a non-empty string, found missing"),
        (4, "not UTF-8"),
    ]
    assert all(e["source"] == str(source) for e in errors)


def test_missing_input_and_duplicates(tmp_path: Path, tiny_package: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        score(str(tmp_path / "nope.jsonl"), tmp_path / "out", tiny_package)
    sheet = tmp_path / "x.xlsx"
    sheet.touch()
    with pytest.raises(InputError, match=r"expected \.jsonl, \.csv, \.parquet"):
        list(read_records(str(sheet)))
    source = tmp_path / "dups.jsonl"
    source.write_text("".join(json.dumps({"id": str(i), "text": DOCS[i % 2]["text"]}) + "\n" for i in range(6)))
    summary = score(str(source), tmp_path / "out2", tiny_package)
    assert summary.scored == 6 and summary.duplicates == 4  # type: ignore[attr-defined]


@pytest.mark.parametrize("option", ["part_size", "batch_size", "workers"])
def test_counts_below_one_are_refused(tmp_path: Path, tiny_package: Path, option: str) -> None:
    import argparse

    from serving.cli import positive_int

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(DOCS[0]) + "\n")
    with pytest.raises(InputError, match=f"{option} must be at least 1, found 0"):  # before: 0 parts scored nothing
        score(str(source), tmp_path / "out", tiny_package, **{option: 0})
    with pytest.raises(argparse.ArgumentTypeError, match="at least 1, found '-2'"):
        positive_int("-2")
    assert positive_int("3") == 3


def test_model_change_is_refused_unless_overwrite(tmp_path: Path, tiny_package: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    out = tmp_path / "out"
    score(str(source), out, tiny_package)
    other = tmp_path / "other-model"
    os.symlink(tiny_package, other)
    with pytest.raises(InputError, match=r"different model .* --overwrite"):
        score(str(source), out, other)
    assert score(str(source), out, other, overwrite=True).scored == 3  # type: ignore[attr-defined]
    assert score(str(source), out, other).skipped == 3  # type: ignore[attr-defined]


def test_threshold_overrides_are_part_of_the_runs_identity(tmp_path: Path, tiny_package: Path) -> None:
    import pyarrow.dataset as ds

    from serving.predictor import Predictor

    label = Predictor.from_directory(tiny_package, actors=False).labels[0]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    out = tmp_path / "out"
    score(str(source), out, tiny_package, thresholds={label: 0.01})
    assert all(ds.dataset(out).to_table(columns=[f"{label}_present"]).column(0).to_pylist())
    with pytest.raises(InputError, match="thresholds"):  # the same output with other decisions: refused
        score(str(source), out, tiny_package)
    assert score(str(source), out, tiny_package, thresholds={label: 0.01}).skipped == 3  # type: ignore[attr-defined]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()  # a zombie has ended
    except OSError:
        return False


@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_mid_run_then_rerun_gives_every_id_once(tmp_path: Path, tiny_package: Path, workers: int) -> None:
    source = tmp_path / "big.jsonl"
    n = 6000
    source.write_text(
        "".join(json.dumps({"id": f"d{i}", "text": f"Report {i}: " + DOCS[i % 3]["text"]}) + "\n" for i in range(n))
    )
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "training.cli",
        "score",
        str(source),
        "-o",
        str(out),
        "--model",
        str(tiny_package),
        "--backend",
        "torch",
        "--part-size",
        "50",
        "--workers",
        str(workers),
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "_manifest.json"
    deadline = time.time() + 120
    while time.time() < deadline:
        if manifest.is_file() and json.loads(manifest.read_text())["consumed"] >= 200:
            break
        time.sleep(0.02)
    workers_seen = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(workers_seen) >= workers if workers > 1 else not workers_seen  # spawn adds a resource tracker
    deadline = time.time() + 20
    while any(alive(w) for w in workers_seen) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers_seen), "worker processes outlived the killed run"
    consumed = json.loads(manifest.read_text())["consumed"]
    assert 0 < consumed < n, "the run was not killed mid-way; make the input larger"
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resuming" in done.stderr
    ids = output_ids(out)
    assert len(ids) == n and len(set(ids)) == n


@pytest.mark.parametrize("cores", [2, 8])  # 2: one thread per worker, forked, sharing the model; 8: each loads it
def test_workers_give_the_serial_output(
    tmp_path: Path, tiny_stance_package: Path, monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    texts = [d["text"] for d in DOCS] + ["Russian authorities blocked the site. Kremlin critics objected."]
    records = [{"id": f"d{i}", "text": texts[i % len(texts)] + (" Again." if i % 5 == 4 else "")} for i in range(13)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records) + "{not json\n")
    serial = score(str(source), tmp_path / "serial", tiny_stance_package, part_size=3)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    parallel = score(str(source), tmp_path / "parallel", tiny_stance_package, part_size=3, workers=2)
    for field in ("scored", "failed", "duplicates", "topic_counts"):
        assert getattr(parallel, field) == getattr(serial, field), field
    one, two = (rounded(read_rows(tmp_path / name)) for name in ("serial", "parallel"))
    assert [r["id"] for r in one] == [r["id"] for r in records]
    assert one == two


def read_rows(out: Path) -> list[dict[str, object]]:
    return [r for p in sorted(out.glob("part-*.parquet")) for r in pq.read_table(p).to_pylist()]


def rounded(value: object) -> object:
    """Floats to 4 places: one and two threads may sum in another order (last-bit differences)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def test_actors_are_a_typed_nested_column(tmp_path: Path, tiny_stance_package: Path) -> None:
    docs = [
        {"id": "ic", "text": "Regulators demanded that platforms delete posts. Russian authorities defended the ban."},
        {
            "id": "fi",
            "text": "Officials accused foreign agents of meddling. The Kremlin blamed the West for the unrest.",
        },
        {"id": "none", "text": "The football club won the cup."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs))
    score(str(source), tmp_path / "out", tiny_stance_package)
    table = pa.concat_tables([pq.read_table(p) for p in sorted((tmp_path / "out").glob("part-*.parquet"))])
    actor = table.schema.field("actors").type.value_type
    assert [f.name for f in actor] == ["name", "type", "mentions", "stances"]
    rows = {r["id"]: r for r in table.to_pylist()}
    assert rows["none"]["actors"] == []
    found = [a for r in rows.values() for a in r["actors"]]
    assert found, "the on-topic documents name actors that take stances"
    for a in found:
        assert {s["topic"] for s in a["stances"]} <= set(
            rows[next(i for i, r in rows.items() if a in r["actors"])]["topics"]
        )
        assert all(s["stance"] in ("favor", "against", "neutral") and 0 <= s["probability"] <= 1 for s in a["stances"])
