#!/usr/bin/python3
"""Checks an ONNX model chimera export wrote, with runtimes that are not Chimera's.

ONNX's own checker (python3-onnx, full check with shape inference) must accept the model, and
OpenCV's DNN module (python3-opencv) must compute, from the inputs `chimera export --check-data`
wrote as NAME.npy, the outputs Chimera computed (NAME.npy beside them), each value within
1e-5 (relative to its size beyond 1). The batch is dynamic: the whole batch is run, then its
first example alone, each on a fresh network (OpenCV 4.6 keeps a net's first shapes).

    check_onnx.py MODEL.onnx CHECK_DIR
"""
import os
import sys

import numpy as np


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, data = sys.argv[1], sys.argv[2]
    import onnx
    import cv2

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    initializers = {t.name for t in model.graph.initializer}
    inputs = {i.name: np.load(os.path.join(data, i.name + ".npy")) for i in model.graph.input if i.name not in initializers}
    outputs = [o.name for o in model.graph.output]
    worst = 0.0
    for n in (None, 1):
        net = cv2.dnn.readNetFromONNX(path)
        for name, value in inputs.items():
            net.setInput(np.ascontiguousarray(value[:n]), name)
        for name, got in zip(outputs, net.forward(outputs)):
            want = np.load(os.path.join(data, name + ".npy"))[:n]
            if got.shape != want.shape:
                sys.exit(f"FAIL {path}: output '{name}' has shape {got.shape} in OpenCV, {want.shape} in Chimera")
            error = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
            worst = max(worst, error)
            if not error <= 1e-5:
                sys.exit(f"FAIL {path}: output '{name}' differs by {error:.3g} (batch {len(want)})")
    print(f"PASS {os.path.basename(path)}: onnx.checker accepts it; OpenCV {cv2.__version__} computes "
          f"{', '.join(outputs)} of {', '.join(inputs)} within {worst:.2g} of Chimera (batch {len(next(iter(inputs.values())))} and 1)")


if __name__ == "__main__":
    main()
