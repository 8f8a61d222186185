"""Topic fine-tune with the embeddings and the lowest K transformer layers frozen (dev / LOSO).

python benchmarks/exploration/topic_freeze.py K [topic_variants.py arguments ...]

Idea: the frozen encoder transfers best to held-out EUvsDisinfo (BENCHMARKS, leave-one-source-out) and
more fine-tuning transfers worse, so keep the lower layers' pretrained features and fine-tune only the
top 6 - K layers (plus the head). Wraps training.finetune._Trainer so the product's fine-tune runs
unchanged otherwise, then runs benchmarks/exploration/topic_variants.py with the remaining arguments
(test replaced by dev; --loso S for a held-out source).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "exploration"))

import topic_variants  # noqa: E402

from training import finetune  # noqa: E402


def freeze_lower(k: int) -> None:
    original = finetune._Trainer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        for module in [self.model.embeddings, *self.model.encoder.layer[:k]]:
            for parameter in module.parameters():
                parameter.requires_grad_(False)

    finetune._Trainer.__init__ = init  # type: ignore[method-assign]


if __name__ == "__main__":
    k = int(sys.argv.pop(1))
    freeze_lower(k)
    print(f"freezing embeddings + {k} lowest layers", flush=True)
    topic_variants.main()
