#!/usr/bin/python3
"""Writes tests/data/python_written.safetensors with an independent writer (Python's standard
library, following the safetensors format description: u64 little-endian header length, JSON
header, little-endian data), so the test suite can show Chimera reads what Python tools write.

    /usr/bin/python3 bench/reference/make_safetensors_fixture.py
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "python_written.safetensors")

weights = [0.5 * i - 1.0 for i in range(6)]       # shape [2, 3], F32
steps = [7, -3, 2147483647]                        # shape [3], I32
data = struct.pack("<6f", *weights) + struct.pack("<3i", *steps)
header = {
    "__metadata__": {"format": "pt", "written_by": "python stdlib"},
    "encoder.fc.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
    "state.steps": {"dtype": "I32", "shape": [3], "data_offsets": [24, 36]},
}
text = json.dumps(header).encode()
with open(OUT, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
print("wrote", os.path.normpath(OUT))
