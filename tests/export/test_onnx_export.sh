#!/usr/bin/env bash
# ONNX export checked by runtimes that are not Chimera: short runs of the MLP VAE, the DCGAN, the
# convolutional autoencoder and the three-modality MoPoE; each decoder exported with the one
# batch of inputs and outputs Chimera computed (--check-data), and check_onnx.py has ONNX's
# checker accept the model and OpenCV's DNN compute the same outputs to 1e-5. A node whose ops
# have no ONNX form (the Transformer's attention) is refused, naming the op and the node. And a
# third party's plugin, built out of tree from the installed SDK, exports with no code of its own.
# Usage: test_onnx_export.sh CHIMERA_BIN WORK_DIR SDK_PREFIX; FASHION_MM names the three-modality set.
set -euo pipefail
chimera=$1 work=$2 sdk_prefix=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
configs=$(cd "$here/../../configs" && pwd)
rm -rf "$work" && mkdir -p "$work"
train() { "$chimera" train "$@" --threads 1 >/dev/null; }
check() { /usr/bin/python3 "$here/check_onnx.py" "$@"; }
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

# Refusals: exit 2, the reason, nothing written. An op with no ONNX form names the op and the node.
refused() {  # refused EXPECTED_TEXT chimera-export-arguments...
  local expected=$1; shift
  set +e; "$chimera" export "$@" 2>"$work/refused.txt"; local code=$?; set -e
  [[ $code == 2 ]] || { echo "FAIL: chimera export $* exited $code: $(cat "$work/refused.txt")" >&2; exit 1; }
  grep -qF -e "$expected" "$work/refused.txt" || { echo "FAIL: chimera export $* said: $(cat "$work/refused.txt")" >&2; exit 1; }
  echo "PASS: refused: $(head -c 160 "$work/refused.txt")"
}
refused "cannot export node 'prior_text': op '" "$work/mm" --nodes prior_text --out "$work/text.onnx"
[[ ! -e $work/text.onnx ]] || { echo "FAIL: a refused export left a file" >&2; exit 1; }
refused "--outputs: the chosen nodes do not write 'image'" "$work/vae" --nodes prior_decoder --outputs image --out "$work/x.onnx"
refused "--inputs: the chosen nodes do not read 'mu'" "$work/vae" --nodes prior_decoder --inputs mu --out "$work/x.onnx"
refused "--opset: 13 to 17, not 12" "$work/vae" --nodes prior_decoder --opset 12 --out "$work/x.onnx"
refused "--nodes: no node 'decodr' in this pipeline" "$work/vae" --nodes decodr --out "$work/x.onnx"
[[ ! -e $work/x.onnx ]] || { echo "FAIL: a refused export left a file" >&2; exit 1; }
