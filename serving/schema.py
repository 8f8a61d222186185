"""The contract every path shares: documents in, typed predictions out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Document(BaseModel):
    """One article to score: ``text`` is required, ``title`` and ``id`` are optional."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, description="Caller's identifier, echoed back.")
    title: str | None = Field(default=None, description="Headline; scored together with the text.")
    text: str = Field(description="Article body (any length: long texts are windowed, never cut).")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must contain at least one non-whitespace character")
        return value

    def full_text(self) -> str:
        """Title and body as the model reads them."""
        return join_title(self.title, self.text)


def join_title(title: str | None, text: str) -> str:
    """Join a headline and a body the same way in training and serving."""
    title = (title or "").strip()
    return f"{title}\n\n{text}" if title else text


class TopicScore(BaseModel):
    """One topic's probability and the decision at the model's tuned threshold."""

    probability: float = Field(ge=0.0, le=1.0)
    present: bool
    threshold: float = Field(ge=0.0, le=1.0)


class ActorTopicStance(BaseModel):
    """Where one actor stands on one present topic."""

    stance: str
    probability: float = Field(ge=0.0, le=1.0)
    evidence: str


class Actor(BaseModel):
    """An actor found in the article, with mentions and per-topic stances."""

    name: str
    type: str
    mentions: list[tuple[int, int]] = Field(default_factory=list)
    stances: dict[str, ActorTopicStance] = Field(default_factory=dict)


class Prediction(BaseModel):
    """The predictor's answer for one document."""

    id: str | None = None
    topics: dict[str, TopicScore]
    actors: list[Actor] = Field(default_factory=list)
    model_name: str
    model_version: str | None = None
    n_windows: int = Field(ge=1, description="Token windows the text was split into.")

    def present_topics(self) -> list[str]:
        """Names of the topics decided present."""
        return [name for name, score in self.topics.items() if score.present]
