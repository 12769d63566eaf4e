#!/usr/bin/env bash
# ONNX export checked by runtimes that are not Chimera: short runs of the MLP VAE, the DCGAN, the
# convolutional autoencoder and the three-modality MoPoE; each decoder exported with the one
# batch of inputs and outputs Chimera computed (--check-data); check_onnx.py has ONNX's checker
# accept the model and OpenCV's DNN compute the same outputs to 1e-5, and check_onnx_runtime.js
# has ONNX Runtime (npm's onnxruntime-node) do the same. One decoding step of the Transformer
# text decoder is exported and run by ONNX Runtime alone (OpenCV 4.6 has no Gather on a graph
# input nor 3-D MatMul). The free-running decoder (a loop on its own choices) is refused, naming
# the op and the node. A third party's plugin, built out of tree from the installed SDK, exports
# with no code of its own.
# Usage: test_onnx_export.sh CHIMERA_BIN WORK_DIR SDK_PREFIX NODE_MODULES; FASHION_MM names the
# three-modality set; NODE_MODULES holds onnxruntime-node (scripts/install_npm_packages.sh).
set -euo pipefail
chimera=$1 work=$2 sdk_prefix=$3 node_modules=$4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
configs=$(cd "$here/../../configs" && pwd)
rm -rf "$work" && mkdir -p "$work"
train() { "$chimera" train "$@" --threads 1 >/dev/null; }
[[ -d $node_modules/onnxruntime-node ]] ||
  { echo "FAIL: no onnxruntime-node in $node_modules: run scripts/install_npm_packages.sh tests/export ${node_modules%/node_modules}" >&2; exit 1; }
runtime() { NODE_PATH=$node_modules node "$here/check_onnx_runtime.js" "$@"; }
check() { /usr/bin/python3 "$here/check_onnx.py" "$@"; runtime "$@"; }
few=(--set data.options.limit=1200 --set train.epochs=1)

train "$configs/vae_mlp_fashion.yaml" --out "$work/vae" "${few[@]}"
"$chimera" export "$work/vae" --nodes prior_decoder --activation --out "$work/vae.onnx" --check-data "$work/vae.check"
check "$work/vae.onnx" "$work/vae.check"

train "$configs/dcgan_fashion.yaml" --out "$work/dcgan" "${few[@]}" --set data.validation.holdout=200
# At opset 17 (BatchNormalization's version 15).
"$chimera" export "$work/dcgan" --nodes generator --activation --opset 17 --out "$work/dcgan.onnx" --check-data "$work/dcgan.check"
check "$work/dcgan.onnx" "$work/dcgan.check"

train "$configs/conv_ae_fashion.yaml" --out "$work/conv_ae" "${few[@]}" --set data.validation.holdout=200
"$chimera" export "$work/conv_ae" --nodes decoder --activation --out "$work/conv_ae.onnx" --check-data "$work/conv_ae.check"
check "$work/conv_ae.onnx" "$work/conv_ae.check"

train "$configs/mopoe_image_text_audio.yaml" --out "$work/mm" --set data.batch_size=32 --set data.validation.holdout=64 --set train.epochs=1
"$chimera" export "$work/mm" --nodes prior_image --activation --out "$work/mm_image.onnx" --check-data "$work/mm_image.check"
check "$work/mm_image.onnx" "$work/mm_image.check"
# One step of the text decoder: its own inputs (0, then the tokens so far) given on the port
# step_inputs, the logits at every position out; a caller's loop feeds back its choices.
"$chimera" export "$work/mm" --nodes prior_text --set "nodes.prior_text.in={z: z, step_inputs: text}" --outputs prior_text_logits \
  --opset 17 --out "$work/text_step.onnx" --check-data "$work/text_step.check"
/usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$work/text_step.onnx"
runtime "$work/text_step.onnx" "$work/text_step.check"
# At opset 13 layer_norm is written out in ReduceMean and element-wise ops.
"$chimera" export "$work/mm" --nodes prior_text --set "nodes.prior_text.in={z: z, step_inputs: text}" --outputs prior_text_logits \
  --out "$work/text_step13.onnx" --check-data "$work/text_step13.check"
runtime "$work/text_step13.onnx" "$work/text_step13.check"

# A plugin as an outside author makes it: the installed template copied under its own name
# (acme_vision: components acme_vision_encoder and acme_vision_loss), built against the installed
# SDK package alone, its encoder trained in an autoencoder and exported with the built-in decoder.
cp -r "$sdk_prefix/share/chimera/template" "$work/acme_vision"
cmake -S "$work/acme_vision" -B "$work/acme_vision/build" -DCMAKE_PREFIX_PATH="$sdk_prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/acme_vision/build" >/dev/null
train "$configs/ae_mlp_fashion.yaml" --out "$work/acme" "${few[@]}" --set data.validation.holdout=200 \
  --plugin-path "$work/acme_vision/build" \
  --set "nodes.encoder={component: acme_vision_encoder, in: {x: image}, out: {z: code}, options: {hidden: [128, 64], latent: 32, activation: tanh}}" \
  --set losses.reconstruction.component=acme_vision_loss
"$chimera" export "$work/acme" --nodes encoder,decoder --out "$work/acme.onnx" --check-data "$work/acme.check"
check "$work/acme.onnx" "$work/acme.check"

# Refusals: exit 2, the reason, nothing written. A computation the export cannot see (the decoder's
# loop on tokens it chose itself) names the op and the node.
refused() {  # refused EXPECTED_TEXT chimera-export-arguments...
  local expected=$1; shift
  set +e; "$chimera" export "$@" 2>"$work/refused.txt"; local code=$?; set -e
  [[ $code == 2 ]] || { echo "FAIL: chimera export $* exited $code: $(cat "$work/refused.txt")" >&2; exit 1; }
  grep -qF -e "$expected" "$work/refused.txt" || { echo "FAIL: chimera export $* said: $(cat "$work/refused.txt")" >&2; exit 1; }
  echo "PASS: refused: $(head -c 160 "$work/refused.txt")"
}
refused "cannot export node 'prior_text': op 'embedding' reads a tensor i32[3, 10] that the plugin made itself" "$work/mm" --nodes prior_text --out "$work/text.onnx"
[[ ! -e $work/text.onnx ]] || { echo "FAIL: a refused export left a file" >&2; exit 1; }
refused "--outputs: the chosen nodes do not write 'image'" "$work/vae" --nodes prior_decoder --outputs image --out "$work/x.onnx"
refused "--inputs: the chosen nodes do not read 'mu'" "$work/vae" --nodes prior_decoder --inputs mu --out "$work/x.onnx"
refused "--opset: 13 to 17, not 12" "$work/vae" --nodes prior_decoder --opset 12 --out "$work/x.onnx"
refused "--nodes: no node 'decodr' in this pipeline" "$work/vae" --nodes decodr --out "$work/x.onnx"
[[ ! -e $work/x.onnx ]] || { echo "FAIL: a refused export left a file" >&2; exit 1; }
