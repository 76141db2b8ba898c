#!/usr/bin/env python3
"""Writes calibration/validation inputs as .npy files for INT8 builds on machines without the
image tools: 'noise' (standard normal, for random-weight zoo models) or 'document' (a
normalized white page with dark strokes, for the text detector)."""
import argparse, os
import numpy as np


def document(rng, shape):
    n, c, h, w = shape
    page = np.full((h, w), 255.0 * rng.uniform(0.8, 1.0), dtype=np.float32)
    for _ in range(int(rng.integers(20, 60))):
        y, x = int(rng.integers(0, h - 12)), int(rng.integers(0, w - 40))
        page[y:y + int(rng.integers(2, 10)), x:x + int(rng.integers(10, 200))] = rng.uniform(0, 80)
    page += rng.normal(0, 6, page.shape).astype(np.float32)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    img = np.stack([(page / 255.0 - mean[i]) / std[i] for i in range(c)])
    return np.broadcast_to(img, (n, c, h, w)).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--shape", required=True, help="e.g. 1x3x224x224")
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--kind", choices=["noise", "document"], default="noise")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    shape = tuple(int(d) for d in args.shape.split("x"))
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        data = document(rng, shape) if args.kind == "document" else rng.standard_normal(shape).astype(np.float32)
        np.save(os.path.join(args.out, f"{i:04d}.npy"), data)


if __name__ == "__main__":
    main()
