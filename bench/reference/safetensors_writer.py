"""The fixture scripts' safetensors writer (Debian ships no safetensors package): u64
little-endian header length, JSON header padded to 8 bytes, little-endian data, as the format
describes. Not a reader, and only the dtypes the fixtures use."""
import json
import os
import struct

import torch


def save(path, tensors, metadata):
    codes = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().numpy().tobytes()  # little-endian on x86
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    print("wrote", os.path.normpath(path))
