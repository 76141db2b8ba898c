#!/usr/bin/env python3
"""Converts images to model inputs as .npy (float32, 1x3xHxW) with ffmpeg and the standard
library only, so GPU checks can carry real calibration data to machines without image tools or
numpy. Presets as the CLI's: imagenet (RGB, ImageNet mean/std) and ppocr-cls (BGR, mean 0.5,
std 0.5).
  images_to_npy.py --height 320 --width 320 --count 8 [--preset imagenet|ppocr-cls] SRC_DIR OUT_DIR"""
import argparse, array, os, struct, subprocess, sys

PRESETS = {
    "imagenet": ((0, 1, 2), (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "ppocr-cls": ((2, 1, 0), (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
}


def write_npy(path, shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        values.tofile(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--height", type=int, required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="imagenet")
    ap.add_argument("src")
    ap.add_argument("out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    files = sorted(f for f in os.listdir(args.src) if f.lower().endswith((".jpg", ".jpeg", ".png")))[: args.count]
    if not files:
        sys.exit(f"no images in {args.src}")
    h, w = args.height, args.width
    order, mean, std = PRESETS[args.preset]
    for name in files:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", os.path.join(args.src, name), "-vf", f"scale={w}:{h}",
                              "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
        planes = array.array("f", bytes(4 * 3 * h * w))
        for c in range(3):
            src, m, s = order[c], mean[c], std[c]
            base = c * h * w
            for i in range(h * w):
                planes[base + i] = (raw[3 * i + src] / 255.0 - m) / s
        write_npy(os.path.join(args.out, os.path.splitext(name)[0] + ".npy"), (1, 3, h, w), planes)


if __name__ == "__main__":
    main()
