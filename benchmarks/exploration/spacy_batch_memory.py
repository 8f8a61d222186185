"""Scratch: spaCy extraction time and peak memory by ``nlp.pipe`` batch size on long articles.

python benchmarks/exploration/spacy_batch_memory.py BATCH   (one process per batch size)

The 96 longest of the first 512 lines of ../shared/corpus/unlabeled.jsonl (a scratch copy at
/tmp/w/first512.jsonl: `head -512 ../shared/corpus/unlabeled.jsonl`); RSS sampled every 20 ms above the
loaded pipeline's; actors found (must not change).
"""
import sys, json, time, threading
sys.path.insert(0, "/work/main")
def rss(): return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
peak = [0]
def sampler():
    while True:
        peak[0] = max(peak[0], rss()); time.sleep(0.02)
from serving.actors import ActorExtractor
bs = int(sys.argv[1])
ex = ActorExtractor(); ex.extract("warm up sentence by Vladimir Putin.")
docs = [json.loads(l)["text"] for l in open("/tmp/w/first512.jsonl")]
docs = sorted(docs, key=len)[-96:]
base = rss(); threading.Thread(target=sampler, daemon=True).start()
t = time.time(); out = ex.extract_many(docs, batch_size=bs); dt = time.time() - t
print(f"bs {bs}: {dt:.1f} s, base {base} MB, peak +{peak[0]-base} MB, actors {sum(len(a) for a in out)}")
