"""Serving-side subcommands of ``stancewatch``: predict (serve and score join here later)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from serving.backends import BACKENDS
from serving.package import ModelPackageError
from serving.predictor import DEFAULT_MODEL_URI


def _read_documents(path: str) -> list[dict[str, object]]:
    """A JSON document, a JSON list or JSON Lines (file or '-'), or plain text from a .txt file."""
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelPackageError(
            f"{path}: expected UTF-8 text, found byte {error.object[error.start]:#04x} at offset {error.start}; "
            "re-encode the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"
        ) from None
    if path.endswith(".txt"):
        return [{"id": Path(path).stem, "text": raw}]
    docs: list[dict[str, object]] = []
    for index, item in enumerate(_json_items(path, raw)):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ModelPackageError(f"{path}: document {index} needs a string 'text' field")
        docs.append(item)
    return docs


def _json_items(path: str, raw: str) -> list[object]:
    """The documents of a JSON value (one or a list), or of JSON Lines (one document per line)."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise ModelPackageError(f"{path}: expected JSON or JSON Lines documents ({error})") from None
    else:
        return value if isinstance(value, list) else [value]
    items = []
    for number, line in enumerate(raw.splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ModelPackageError(f"{path}: line {number} is not a JSON document ({error.msg})") from None
    return items


def threshold_pair(text: str) -> tuple[str, float]:
    """``TOPIC=VALUE`` from the command line, e.g. ``internet_control=0.5``."""
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not sep or not name.strip() or not 0.0 < number < 1.0:
        raise argparse.ArgumentTypeError(f"expected TOPIC=VALUE with VALUE between 0 and 1, found '{text}'")
    return name.strip(), number


def positive_int(text: str) -> int:
    """A count from the command line (documents per part, windows per batch, workers)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, found '{text}'")
    return number


def add_threshold_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threshold",
        type=threshold_pair,
        action="append",
        default=[],
        metavar="TOPIC=VALUE",
        help="replace a topic's dev-tuned decision threshold (repeatable), e.g. internet_control=0.5",
    )


def _predict(args: argparse.Namespace) -> int:
    from serving.predictor import Predictor

    if args.input != "-" and not Path(args.input).is_file():
        raise ModelPackageError(f"{args.input}: input file not found")
    docs = _read_documents(args.input)
    predictor = Predictor.load(args.model, tracking_uri=args.tracking_uri, thresholds=dict(args.threshold))
    for prediction in predictor.predict(docs):
        print(prediction.model_dump_json(indent=2 if args.pretty else None))
    return 0


def add_serving_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    predict = sub.add_parser("predict", help="label documents (JSON, JSON list, JSON Lines or .txt) with a model")
    predict.add_argument("input", help="a .json document or list, .jsonl, a .txt article, or - for JSON on stdin")
    predict.add_argument("--model", default=DEFAULT_MODEL_URI, help="models:/NAME@ALIAS, models:/NAME/N or a directory")
    predict.add_argument("--tracking-uri", default="sqlite:///mlruns/mlflow.db")
    predict.add_argument("--pretty", action="store_true", help="indent the JSON output")
    add_threshold_option(predict)
    predict.set_defaults(func=_predict)
    add_serve_command(sub)
    add_score_command(sub)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from serving.api.app import create_app
    from serving.api.settings import Settings, settings_problems

    overrides = {
        k: v
        for k, v in {"model_uri": args.model, "tracking_uri": args.tracking_uri, "backend": args.backend}.items()
        if v is not None
    }
    if args.threshold:
        overrides["thresholds"] = dict(args.threshold)
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        print(f"stancewatch: error: bad service setting: {settings_problems(error)}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _score(args: argparse.Namespace) -> int:
    from serving.readers import InputError

    try:
        if args.engine == "spark":
            from serving.spark import score_with_spark

            score_with_spark(
                args.input,
                Path(args.output),
                args.model,
                args.tracking_uri,
                args.master,
                backend=args.backend,
                actors=not args.no_actors,
                thresholds=dict(args.threshold),
            )
            return 0
        from serving.score import ScoreOptions, run_score

        options = ScoreOptions(
            source=args.input,
            output=Path(args.output),
            model_uri=args.model,
            tracking_uri=args.tracking_uri,
            backend=args.backend,
            actors=not args.no_actors,
            fmt=args.format,
            part_size=args.part_size,
            batch_size=args.batch_size,
            workers=args.workers,
            overwrite=args.overwrite,
            progress=not args.quiet,
            thresholds=dict(args.threshold),
        )
        summary = run_score(options, log=lambda m: print(m, file=sys.stderr))
    except InputError as error:
        raise ModelPackageError(str(error)) from None
    return 0 if summary.scored or not summary.failed else 1


def add_score_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    score = sub.add_parser("score", help="score a corpus (JSONL, CSV, Parquet, folder of .txt/.md, or -) into parts")
    score.add_argument("input", help=".jsonl, .csv, .parquet, a folder of .txt/.md files, or - for JSONL on stdin")
    score.add_argument("-o", "--output", required=True, help="output folder (parts + _manifest.json)")
    score.add_argument("--model", default=DEFAULT_MODEL_URI)
    score.add_argument("--tracking-uri", default="sqlite:///mlruns/mlflow.db")
    score.add_argument("--backend", default="auto", choices=BACKENDS)
    score.add_argument("--no-actors", action="store_true", help="topics only: skip actor extraction and stance")
    score.add_argument("--format", default="parquet", choices=["parquet", "jsonl"])
    score.add_argument("--batch-size", type=positive_int, default=32, help="token windows per inference batch")
    score.add_argument("--part-size", type=positive_int, default=512, help="documents per committed output part")
    score.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="worker processes, each with cores/workers threads (1 thread: they share the model)",
    )
    score.add_argument("--overwrite", action="store_true", help="discard earlier output (needed after a model change)")
    score.add_argument("--engine", default="local", choices=["local", "spark"])
    score.add_argument("--master", default=None, help="Spark master (default: SPARK_MASTER or local[*])")
    score.add_argument("--quiet", action="store_true", help="no progress bar")
    add_threshold_option(score)
    score.set_defaults(func=_score)


def add_serve_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="start the HTTP service (settings from STANCEWATCH_* variables)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--model", default=None, help="overrides STANCEWATCH_MODEL_URI")
    serve.add_argument("--tracking-uri", default=None, help="overrides STANCEWATCH_TRACKING_URI")
    serve.add_argument("--backend", default=None, choices=BACKENDS)
    add_threshold_option(serve)
    serve.set_defaults(func=_serve)
