"""HTTP load benchmark: `stancewatch serve` vs `mlflow models serve`, same model, same documents, one run.

    python benchmarks/http_load.py [--model models:/stancewatch@champion] [--docs 320] [--concurrency 16]

Loopback only; every phase is bounded in request count and wall time. Also runs an overload burst
against stancewatch (fast 503s, no crash, memory, recovery). Writes benchmarks/out/http_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPUS = ROOT.parent / "shared" / "corpus" / "unlabeled.jsonl"


def load_docs(path: Path, n: int, spread: bool = False) -> list[dict[str, str]]:
    """The first ``n`` articles of ``path``, or with ``spread`` every k-th one (k = lines // n): the corpus's
    mix of sources and lengths (its first articles are long IFF posts)."""
    if not path.is_file():
        sys.exit(f"{path} not found: pass --corpus with a JSONL file of articles (fields text, optional title)")
    with path.open() as handle:
        step = max(1, sum(1 for _ in handle) // n) if spread else 1
    docs = []
    with path.open() as handle:
        for number, line in enumerate(handle):
            if number % step:
                continue
            row = json.loads(line)
            docs.append({"id": str(row.get("id", len(docs))), "title": row.get("title") or "", "text": row["text"]})
            if len(docs) == n:
                break
    return docs


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB), from /proc."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def start(cmd: list[str], env: dict[str, str], ready_url: str, timeout_s: float = 300) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if httpx.get(ready_url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            sys.exit(f"server exited early: {' '.join(cmd)}")
        time.sleep(1)
    stop(proc)
    sys.exit(f"server not ready within {timeout_s:.0f} s: {' '.join(cmd)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    with_group = os.getpgid(proc.pid)
    os.killpg(with_group, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(with_group, signal.SIGKILL)


async def drive(
    url: str,
    make_body: Callable[[dict[str, str]], dict[str, Any]],
    docs: list[dict[str, str]],
    concurrency: int,
    limit_s: float,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``concurrency`` clients, one document per request, until every document is sent or ``limit_s``."""
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for doc in docs:
        queue.put_nowait(doc)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    stop_at = time.perf_counter() + limit_s

    async def client(session: httpx.AsyncClient) -> None:
        while not queue.empty() and time.perf_counter() < stop_at:
            doc = queue.get_nowait()
            began = time.perf_counter()
            try:
                response = await session.post(url, json=make_body(doc), headers=headers)
                key = str(response.status_code)
            except httpx.HTTPError as error:
                key = type(error).__name__
            latencies.append(time.perf_counter() - began)
            statuses[key] = statuses.get(key, 0) + 1

    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ok = statuses.get("200", 0)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "ok": ok,
        "errors": len(latencies) - ok,
        "statuses": statuses,
        "seconds": round(elapsed, 2),
        "docs_per_s": round(ok / elapsed, 2),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
    }


def run_stancewatch(args: argparse.Namespace, docs: list[dict[str, str]], env: dict[str, str]) -> dict[str, Any]:
    port = args.port
    env = env | {
        "STANCEWATCH_MODEL_URI": args.model,
        "STANCEWATCH_TRACKING_URI": args.tracking_uri,
        "STANCEWATCH_MAX_QUEUE_DOCS": "64",
        "STANCEWATCH_MAX_BATCH_DOCS": str(args.max_batch_docs),
        "STANCEWATCH_MAX_WAIT_MS": "20",
    }
    proc = start([str(BIN / "stancewatch"), "serve", "--port", str(port)], env, f"http://127.0.0.1:{port}/readyz")
    url = f"http://127.0.0.1:{port}/v1/predict"
    try:
        asyncio.run(drive(url, lambda d: {"documents": [d]}, docs[:16], 4, 60))  # warm-up
        result = asyncio.run(drive(url, lambda d: {"documents": [d]}, docs, args.concurrency, args.limit_s))
        result["rss_mb"] = round(rss_mb(proc.pid), 1)
        result["overload"] = overload(url, docs, proc.pid, args.burst)
    finally:
        stop(proc)
    return result


def overload(url: str, docs: list[dict[str, str]], pid: int, burst: int) -> dict[str, Any]:
    """A burst of ``burst`` simultaneous requests, far past the queue; then a recovery check."""
    before = rss_mb(pid)
    burst_docs = (docs * (burst // max(1, len(docs)) + 1))[:burst]
    hit = asyncio.run(drive(url, lambda d: {"documents": [d]}, burst_docs, burst, 120))
    after = rss_mb(pid)
    recovery = asyncio.run(drive(url, lambda d: {"documents": [d]}, docs[:16], 4, 60))
    return {
        "burst": burst,
        "statuses": hit["statuses"],
        "p50_ms_all": hit["p50_ms"],
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "recovery_ok": recovery["ok"],
        "recovery_requests": recovery["requests"],
        "alive": Path(f"/proc/{pid}").exists(),
    }


def run_mlflow(args: argparse.Namespace, docs: list[dict[str, str]], env: dict[str, str]) -> dict[str, Any]:
    port = args.port + 1
    env = env | {"MLFLOW_TRACKING_URI": args.tracking_uri}
    cmd = [
        str(BIN / "mlflow"),
        "models",
        "serve",
        "-m",
        args.model,
        "--env-manager",
        "local",
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
    ]
    proc = start(cmd, env, f"http://127.0.0.1:{port}/ping")
    url = f"http://127.0.0.1:{port}/invocations"
    try:
        asyncio.run(drive(url, lambda d: {"dataframe_records": [d]}, docs[:16], 4, 60))
        result = asyncio.run(drive(url, lambda d: {"dataframe_records": [d]}, docs, args.concurrency, args.limit_s))
        result["rss_mb"] = round(rss_mb(proc.pid), 1)
    finally:
        stop(proc)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models:/stancewatch@champion")
    parser.add_argument("--tracking-uri", default=f"sqlite:///{ROOT / 'mlruns' / 'mlflow.db'}")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--docs", type=int, default=320)
    parser.add_argument("--spread", action="store_true", help="every k-th article instead of the first --docs")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--limit-s", type=float, default=420)
    parser.add_argument("--burst", type=int, default=400)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--max-batch-docs", type=int, default=8, help="stancewatch's STANCEWATCH_MAX_BATCH_DOCS")
    parser.add_argument("--skip-mlflow", action="store_true", help="stancewatch only (e.g. to compare its settings)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "http_load.json")
    args = parser.parse_args()
    docs = load_docs(args.corpus, args.docs, args.spread)
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # mlflow models serve execs `uvicorn` from PATH
    results = {"stancewatch": run_stancewatch(args, docs, env)}
    if not args.skip_mlflow:
        results["mlflow_models_serve"] = run_mlflow(args, docs, env)
    sw, ml = results["stancewatch"], results.get("mlflow_models_serve")
    results["ratio_docs_per_s"] = round(sw["docs_per_s"] / max(ml["docs_per_s"], 1e-9), 2) if ml else None
    results["max_batch_docs"] = args.max_batch_docs
    results["sample"] = {
        "docs": len(docs),
        "spread": args.spread,
        "mean_chars": round(sum(len(d["text"]) for d in docs) / max(len(docs), 1)),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print("| server | docs/s | p50 ms | p95 ms | p99 ms | errors | RSS MB |\n|---|---|---|---|---|---|---|")
    for name, r in (("stancewatch serve", sw), ("mlflow models serve", ml)):
        if r is None:
            continue
        cells = [r["docs_per_s"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["errors"], r["rss_mb"]]
        print(f"| {name} | " + " | ".join(str(c) for c in cells) + " |")
    print(f"\nthroughput ratio: {results['ratio_docs_per_s']}x; overload: {json.dumps(sw['overload'])}")


if __name__ == "__main__":
    main()
