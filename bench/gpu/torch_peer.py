#!/usr/bin/env python3
"""PyTorch peer for the GPU benchmarks: the same architectures as EdgeAgent's zoo models,
timed with CUDA events (median of N runs after warm-up), eager FP32, eager FP16
channels_last, its CUDA-Graph replay, torch.compile FP16 and (--max-autotune) torch.compile max-autotune. Prints one JSON object. Input already on the GPU (compute only)."""
import argparse, json, statistics, sys, time

import torch
import torch.nn as nn


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, mid, 1, bias=False); self.b1 = nn.BatchNorm2d(mid)
        self.c2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False); self.b2 = nn.BatchNorm2d(mid)
        self.c3 = nn.Conv2d(mid, cout, 1, bias=False); self.b3 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = torch.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


def resnet50():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for mid, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(blocks):
            layers.append(Bottleneck(cin, mid, mid * 4, stride if i == 0 else 1))
            cin = mid * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


class VitBlock(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.heads = heads
        self.n1 = nn.LayerNorm(width); self.qkv = nn.Linear(width, 3 * width); self.proj = nn.Linear(width, width)
        self.n2 = nn.LayerNorm(width); self.fc1 = nn.Linear(width, hidden); self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(a)
        return x + self.fc2(nn.functional.gelu(self.fc1(self.n2(x))))


class VitTiny(nn.Module):
    """The zoo's ViT-Tiny-class shape: patch 16, width 192, 3 heads, 12 pre-norm blocks, MLP 768."""
    def __init__(self, width=192, heads=3, depth=12, hidden=768, classes=1000):
        super().__init__()
        self.patch = nn.Conv2d(3, width, 16, 16)
        self.cls = nn.Parameter(torch.zeros(1, 1, width)); self.pos = nn.Parameter(torch.randn(1, 197, width) * 0.02)
        self.blocks = nn.Sequential(*[VitBlock(width, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(width); self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


MODELS = {"resnet50": lambda: resnet50(), "vit_tiny": lambda: VitTiny()}


def time_model(model, x, warmup, runs):
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        torch.cuda.synchronize()
        times = []
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        for _ in range(runs):
            start.record(); model(x); end.record(); end.synchronize()
            times.append(start.elapsed_time(end))
    return statistics.median(times)


def graph_replay(model, x, warmup):
    """Captures one forward pass of an eager model as a CUDA Graph; returns a callable replaying it."""
    with torch.inference_mode():
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(max(3, warmup // 4)):
                model(x)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            model(x)
    return lambda _: graph.replay()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--max-autotune", action="store_true",
                    help="also torch.compile(mode='max-autotune') (minutes of compilation per batch size)")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--model", default="resnet50", choices=sorted(MODELS))
    args = ap.parse_args()
    dev = torch.device("cuda")
    result = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "model": args.model}
    base = MODELS[args.model]().eval().to(dev)
    for batch in (int(b) for b in args.batches.split(",")):
        x = torch.randn(batch, 3, 224, 224, device=dev)
        result[f"eager_fp32_b{batch}_ms"] = round(time_model(base, x, args.warmup, args.runs), 4)
        half = MODELS[args.model]().eval().to(dev).half().to(memory_format=torch.channels_last)
        xh = x.half().to(memory_format=torch.channels_last)
        result[f"eager_fp16_cl_b{batch}_ms"] = round(time_model(half, xh, args.warmup, args.runs), 4)
        result[f"graph_fp16_cl_b{batch}_ms"] = round(time_model(graph_replay(half, xh, args.warmup), xh, args.warmup, args.runs), 4)
        if not args.no_compile:
            t0 = time.time()
            compiled = torch.compile(half)
            result[f"compile_fp16_cl_b{batch}_ms"] = round(time_model(compiled, xh, args.warmup, args.runs), 4)
            result[f"compile_fp16_cl_b{batch}_compile_s"] = round(time.time() - t0, 1)
        if args.max_autotune:
            torch._dynamo.reset()
            t0 = time.time()
            tuned = torch.compile(half, mode="max-autotune")
            result[f"autotune_fp16_cl_b{batch}_ms"] = round(time_model(tuned, xh, args.warmup, args.runs), 4)
            result[f"autotune_fp16_cl_b{batch}_compile_s"] = round(time.time() - t0, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
