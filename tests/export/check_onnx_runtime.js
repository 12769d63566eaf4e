// An exported model run by ONNX Runtime (onnxruntime-node from npm, a runtime that is not
// Chimera): it must compute from the .npy inputs Chimera wrote (--check-data) the outputs
// Chimera computed, to 1e-5 (relative beyond 1), for the whole batch and for its first example alone (the batch
// dimension is dynamic). Used where OpenCV's DNN lacks an op (Gather on a graph input, 3-D
// MatMul: the Transformer's decoding step).
// Usage: NODE_PATH=DIR/node_modules node check_onnx_runtime.js MODEL.onnx CHECK_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const tolerance = 1e-5;

// A little-endian .npy array of float32 or int32, C order: {type, dims, data}.
function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const body = bytes.subarray(start + headerLength);
  const buffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  if (descr === '<f4') return { type: 'float32', dims, data: new Float32Array(buffer) };
  if (descr === '<i4') return { type: 'int32', dims, data: new Int32Array(buffer) };
  throw new Error(`${file}: dtype ${descr} (float32 or int32 expected)`);
}

// The first `n` examples of an array.
function head(a, n) {
  const per = a.data.length / a.dims[0];
  return { type: a.type, dims: [n, ...a.dims.slice(1)], data: a.data.slice(0, n * per) };
}

async function main() {
  const [model, dir] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model);
  const arrays = {};
  for (const name of [...session.inputNames, ...session.outputNames]) arrays[name] = readNpy(path.join(dir, `${name}.npy`));
  const batch = arrays[session.inputNames[0]].dims[0];
  let worst = 0;
  for (const n of [batch, 1]) {
    const feeds = {};
    for (const name of session.inputNames) {
      const a = head(arrays[name], n);
      feeds[name] = new ort.Tensor(a.type, a.data, a.dims);
    }
    const results = await session.run(feeds);
    for (const name of session.outputNames) {
      const expected = head(arrays[name], n);
      const got = results[name];
      if (got.dims.join(',') !== expected.dims.join(','))
        throw new Error(`${name}: ONNX Runtime made [${got.dims}], Chimera [${expected.dims}]`);
      for (let i = 0; i < expected.data.length; ++i) {
        // As check_onnx.py measures: relative beyond 1.
        const d = Math.abs(got.data[i] - expected.data[i]) / Math.max(1, Math.abs(expected.data[i]));
        if (!(d <= tolerance)) throw new Error(`${name}[${i}] at batch ${n}: ONNX Runtime ${got.data[i]}, Chimera ${expected.data[i]}`);
        worst = Math.max(worst, d);
      }
    }
  }
  console.log(`PASS ${path.basename(model)}: ONNX Runtime ${require('onnxruntime-node/package.json').version} computes ` +
              `${session.outputNames.join(', ')} of ${session.inputNames.join(', ')} within ${worst.toExponential(1)} of Chimera (batch ${batch} and 1)`);
}

main().catch((e) => { console.error(`FAIL ${process.argv[2]}: ${e.message}`); process.exit(1); });
