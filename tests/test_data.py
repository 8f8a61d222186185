"""Corpus loading: valid JSONL/CSV, and precise one-line errors for bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.data import DataError, build_corpus, label_set, load_articles

GOOD = {"id": "a", "title": "T", "text": "Body", "topics": ["internet_control"], "split": "train"}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_vendored_corpus_loads_with_splits() -> None:
    corpus = build_corpus(Path(__file__).resolve().parent.parent / "data" / "articles.jsonl")
    assert corpus.labels == ["foreign_interference", "internet_control"]
    assert {k: len(v) for k, v in corpus.splits.items()} == {"train": 806, "dev": 167, "test": 167}
    dataset = corpus.dataset("dev")
    assert dataset.num_rows == 167 and set(dataset.column_names) == {"id", "text", "source", "labels"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"id": "b", "title": "x"}), "field 'text': field required (missing)"),
        (json.dumps({"id": "b", "text": 42}), "field 'text': input should be a valid string (found int 42)"),
        (json.dumps({"id": "b", "text": "x", "topics": "internet_control"}), "field 'topics'"),
        (json.dumps({"id": "b", "text": "   "}), "text is empty"),
        (json.dumps(["a list"]), "expected a JSON object per line, found list"),
        (json.dumps({"id": "b", "text": "x", "split": "validation"}), "field 'split'"),
    ],
)
def test_bad_line_names_file_line_and_field(tmp_path: Path, line: str, expected: str) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [json.dumps(GOOD), line])
    with pytest.raises(DataError) as info:
        load_articles(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: ")
    assert expected in message
    assert "\n" not in message


def test_non_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"id": "x", "text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"c\.jsonl:2: not UTF-8"):
        load_articles(path)


def test_duplicate_ids_and_missing_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [json.dumps(GOOD), json.dumps(GOOD)])
    with pytest.raises(DataError, match="id 'a' occurs twice"):
        load_articles(path)
    with pytest.raises(DataError, match="not found"):
        load_articles(tmp_path / "missing.jsonl")
    with pytest.raises(DataError, match=r"expected a \.jsonl or \.csv"):
        load_articles(write_jsonl(tmp_path / "c.txt", ["x"]))


def test_csv_corpus_with_semicolon_topics(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "id,title,text,topics\n"
        "1,Ban,Sites were blocked,internet_control\n"
        '2,,"Meddling, and blocking",internet_control; foreign_interference\n'
        "3,Sport,Match report,\n"
    )
    articles = load_articles(path)
    assert [a.topics for a in articles] == [["internet_control"], ["internet_control", "foreign_interference"], []]
    assert articles[1].title is None
    assert label_set(articles) == ["foreign_interference", "internet_control"]


def test_csv_without_text_column_and_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("body,topics\nx,y\n")
    with pytest.raises(DataError, match=r"c\.csv:1: expected a 'text' column"):
        load_articles(path)
    path.write_text("text,topics\nfine,a\n,a\n")
    with pytest.raises(DataError, match=r"c\.csv:3: field 'text'"):
        load_articles(path)


def test_own_taxonomy_and_random_splits(tmp_path: Path) -> None:
    rows = [{"id": str(i), "text": f"doc {i}", "topics": ["protest"] if i % 2 else []} for i in range(40)]
    path = write_jsonl(tmp_path / "own.jsonl", [json.dumps(r) for r in rows])
    corpus = build_corpus(path, seed=1)
    assert corpus.labels == ["protest"]
    assert sum(len(v) for v in corpus.splits.values()) == 40 and all(corpus.splits.values())
    with pytest.raises(DataError, match=r"corpus topics \['protest'\] are not in the configured labels"):
        build_corpus(path, labels=["other"])


def test_lead_is_the_headline_and_the_first_sentences() -> None:
    from training.data import Article

    article = Article(id="x", title="Russia blocks Telegram", text="First one. Second? Third! Fourth.\nFifth.")
    assert article.lead(2) == "Russia blocks Telegram\n\nFirst one. Second?"
    assert article.lead(9) == "Russia blocks Telegram\n\nFirst one. Second? Third! Fourth. Fifth."
    assert Article(id="y", text="Only a body. And more.").lead(1) == "Only a body."
