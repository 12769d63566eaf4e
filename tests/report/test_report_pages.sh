#!/usr/bin/env bash
# The training report in a real browser: short runs of a GAN, a VAE (with its traversal) and a
# multimodal MoPoE (evaluated by judges from their own runs, and generating captions and speech)
# are reported by `chimera train` and `chimera report`, and headless Chromium opens each page
# (check_report.py): no console error, every chart drew its points, the epoch slider changes the
# image, every clip plays, the coherence heat map has its cells, two runs compare side by side,
# and damaged runs (no metrics, a cut-short metrics line, a missing grid) say what is missing.
# Usage: test_report_pages.sh CHIMERA_BIN WORK_DIR [SCREENSHOT_DIR]; FASHION_MM names the
# three-modality set.
set -euo pipefail
chimera=$1 work=$2 shots=${3:-$2/screenshots}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$work" && mkdir -p "$work" "$shots"
train() { "$chimera" train "$@" --threads 1 >/dev/null; }
small=(--set data.batch_size=32 --set data.validation.holdout=64)
configs=$(cd "$here/../../configs" && pwd)

train "$configs/gan_mlp_fashion.yaml" --out "$work/gan" --set data.options.limit=1500 --set data.validation.holdout=300 --set train.epochs=3 --set train.log_every=5
# The VAE clips its gradients and warms its KL up: their charts must be drawn too.
train "$configs/vae_mlp_fashion.yaml" --out "$work/vae" --set data.options.limit=1500 --set train.epochs=3 --set train.log_every=5 \
  --set optimizers.adam.clip_norm=50 --set 'losses.kl.warmup={steps: 40, start: 0.0}'
train "$configs/mopoe_image_text_audio.yaml" --out "$work/mm" "${small[@]}" --set train.epochs=3 --set train.samples=8 --set train.log_every=5
train "$configs/classifier_fashion.yaml" --out "$work/judge_image" "${small[@]}" --set data.options.limit=600 --set train.epochs=1
train "$configs/text_classifier_fashion_mm.yaml" --out "$work/judge_text" "${small[@]}" --set train.epochs=1
train "$configs/audio_classifier_fashion_mm.yaml" --out "$work/judge_audio" "${small[@]}" --set train.epochs=2
"$chimera" evaluate "$work/mm" --judge image="$work/judge_image" --judge text="$work/judge_text" --judge audio="$work/judge_audio" \
  --limit 40 --joint-samples 8 --probe-train 100 >/dev/null
"$chimera" generate "$work/mm" --to image,text,audio --n 8 >/dev/null
"$chimera" report "$work/mm" >/dev/null
"$chimera" report "$work/vae" "$work/gan" --out "$work/compare.html" >/dev/null

# Damaged runs: the VAE's copy with a line cut short and a grid gone; a run with no metrics.
cp -r "$work/vae" "$work/damaged"
printf '{"step":999,"epoch":4,"split":"tra' >>"$work/damaged/metrics.jsonl"
rm "$work/damaged/samples/epoch-002.png"
"$chimera" report "$work/damaged" >/dev/null
mkdir -p "$work/empty" && cp "$work/vae/config.yaml" "$work/empty/"
"$chimera" report "$work/empty" >/dev/null

# Chromium's own processes are several: one page at a time, started once.
exec /usr/bin/python3 "$here/check_report.py" \
  "$work/gan/report.html" "$work/vae/report.html" "$work/mm/report.html" "$work/compare.html" \
  "$work/damaged/report.html" "$work/empty/report.html" \
  --expect "$work/gan/report.html:charts>=3,slider" \
  --expect "$work/vae/report.html:charts>=6,slider,chart=losses-train,chart=losses-epoch,chart=lr,chart=grad-norm,chart=loss-weights,chart=kl-vae" \
  --expect "$work/mm/report.html:charts>=6,slider,audio,heatmap,chart=joint-mm,chart=probe-mm" \
  --expect "$work/compare.html:compare,charts>=4" \
  --expect "$work/damaged/report.html:problems>=2,slider" \
  --expect "$work/empty/report.html:problems>=2" \
  --screenshot "$work/gan/report.html:$shots/report-gan.png" \
  --screenshot "$work/vae/report.html:$shots/report-vae.png" \
  --screenshot "$work/mm/report.html:$shots/report-multimodal.png"
