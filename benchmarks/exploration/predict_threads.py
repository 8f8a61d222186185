"""Does running two or three predictor batches side by side beat one at a time? (session 18)

The idea: spaCy holds the GIL on one core while OpenVINO (which releases it) could use the other, as
`mlflow models serve`'s thread pool does. Same 96 spread articles, batches of 8, v10 on its dev-chosen backend.

    python benchmarks/exploration/predict_threads.py
"""

import sys
import time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from concurrent.futures import ThreadPoolExecutor
from http_load import load_docs, CORPUS
from serving.predictor import Predictor
docs = load_docs(CORPUS, 320, True)[:96]
p = Predictor.load("models:/stancewatch/10", tracking_uri="sqlite:///mlruns/mlflow.db", backend="auto")
p.predict(docs[:8])
batches = [docs[i:i+8] for i in range(0, len(docs), 8)]
for rep in range(2):
    t = time.perf_counter(); ser = [x for b in batches for x in p.predict(b)]; s1 = time.perf_counter() - t
    for n in (2, 3):
        with ThreadPoolExecutor(n) as pool:
            t = time.perf_counter(); par = [x for r in pool.map(p.predict, batches) for x in r]; s2 = time.perf_counter() - t
        same = all(a.model_dump() == b.model_dump() for a, b in zip(ser, par))
        print(f"rep {rep}: serial {len(docs)/s1:.2f} docs/s, {n} threads {len(docs)/s2:.2f} docs/s, ratio {s1/s2:.2f}, identical {same}", flush=True)
