"""Scratch: RSS of OpenVINO encoders compiled for bf16 from the ONNX graph vs an IR (fp32 or fp16 weights).

python benchmarks/exploration/openvino_load_memory.py MODE ENCODER_DIR [ENCODER_DIR ...]

MODE: onnx (compile model.onnx), ir32 / ir16 (save an IR with fp32 / fp16-compressed weights to /tmp, compile
that). RSS after each compile and after one inference of 16 x 256 tokens per encoder; one process per mode.
"""
import sys, gc, os
import numpy as np
def rss(): return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
import openvino as ov
mode = sys.argv[1]; paths = sys.argv[2:]
core = ov.Core(); print("core", rss())
cfg = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 2, "CPU_RUNTIME_CACHE_CAPACITY": 16}
reqs = []
for i, p in enumerate(paths):
    src = p + "/model.onnx"
    if mode.startswith("ir"):
        m = core.read_model(src); xml = f"/tmp/m{i}_{mode}.xml"
        ov.save_model(m, xml, compress_to_fp16=(mode == "ir16")); del m; gc.collect(); src = xml
    c = core.compile_model(src, "CPU", cfg); gc.collect()
    r = c.create_infer_request(); reqs.append(r)
    print("compiled", i, rss())
for r in reqs:
    ids = np.ones((16, 256), np.int64); feed = {"input_ids": ids, "attention_mask": ids}
    if len(r.model_inputs) == 3: feed["token_type_ids"] = np.zeros_like(ids)
    r.infer(feed)
print("after infer", rss())
