using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// INT8 depthwise convolution (group = C = M, any window, stride, padding, dilation): per channel
/// and output row, an int32 accumulator row gathers every tap (s8 × s8 in int32, so exact 8-bit
/// weights on every CPU), then the requantizing epilogue finishes the row while it is in L1.
/// On AVX2, stride 1 and 2 rows take eight outputs per step (vpmovsxbd, vpmaddwd); elsewhere
/// stride 1 rows widen a whole Vector&lt;sbyte&gt; at a time; other strides and the padded edges
/// take the scalar loop. Channels are the work items.
/// </summary>
public sealed unsafe class Int8DepthwiseKernel : IInt8ConvKernel
{
    private readonly sbyte[] _weights;
    private readonly float[] _rowScale;

    /// <param name="weights">[C, 1, KH, KW] int8.</param>
    public Int8DepthwiseKernel(Conv2dShape shape, ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> weightScales, float inputScale)
    {
        shape.Validate();
        if (!shape.IsDepthwise) throw new ArgumentException($"convolution {shape} is not depthwise");
        if (weights.Length != shape.M * shape.KH * shape.KW) throw new ArgumentException($"depthwise {shape} needs {shape.M * shape.KH * shape.KW} weights");
        Shape = shape;
        _weights = GC.AllocateArray<sbyte>(weights.Length, pinned: true);
        weights.CopyTo(_weights);
        _rowScale = GC.AllocateArray<float>(shape.M, pinned: true);
        for (int c = 0; c < shape.M; c++) _rowScale[c] = inputScale * weightScales[c];
    }

    public Conv2dShape Shape { get; }

    /// <summary>Per thread: the int32 row and two float rows of the epilogue.</summary>
    public static long SlotBytes(Conv2dShape s) => (3L * 4 * (s.OutW + Vector<int>.Count) + 63) / 64 * 64;

    public static long WorkspaceBytes(Conv2dShape s, int threads) => Math.Max(1, threads) * SlotBytes(s) + 64;

    public long WorkspaceBytes(int threads) => WorkspaceBytes(Shape, threads);

    private struct Args
    {
        public Int8ConvGeometry Shape;
        public sbyte* X;
        public sbyte* Weights;
        public float* RowScale;
        public Int8Epilogue Epilogue;
        public byte* Workspace;
        public long SlotBytes;
        public int Batch, Next;
    }

    public void Run(sbyte* x, in Int8Epilogue epilogue, byte* workspace, WorkerPool? pool)
    {
        var s = Shape;
        fixed (sbyte* w = _weights)
        fixed (float* rs = _rowScale)
        {
            var args = new Args
            {
                Shape = new Int8ConvGeometry(s), X = x, Weights = w, RowScale = rs, Epilogue = epilogue, Batch = s.Batch,
                Workspace = (byte*)(((nint)workspace + 63) & ~(nint)63), SlotBytes = SlotBytes(s),
            };
            int tasks = s.Batch * s.C, slots = Math.Min(pool?.Threads ?? 1, tasks);
            if (pool is null || slots <= 1) Body((nint)(&args), 0);
            else pool.Run(slots, &Body, (nint)(&args));
        }
    }

    private static void Body(nint state, int slot)
    {
        var a = (Args*)state;
        ref readonly var s = ref a->Shape;
        int* acc = (int*)(a->Workspace + slot * a->SlotBytes);
        float* scratch = (float*)(acc + s.OutW + Vector<int>.Count);
        float* residualScratch = scratch + s.OutW + Vector<int>.Count;
        int taps = s.KH * s.KW, tasks = a->Batch * s.C, task;
        // The columns each kernel column may write (inside the image) do not depend on the row or
        // channel: worked out once here, not in the innermost loop (two divisions per tap and row
        // were most of the time on 40x40 planes).
        int* lo = stackalloc int[s.KW], hi = stackalloc int[s.KW], offsets = stackalloc int[s.KW];
        for (int kw = 0; kw < s.KW; kw++)
        {
            int offset = kw * s.DilationW - s.PadLeft;
            offsets[kw] = offset;
            lo[kw] = Math.Min(s.OutW, offset >= 0 ? 0 : (-offset + s.StrideW - 1) / s.StrideW);
            hi[kw] = s.W - 1 - offset < 0 ? 0 : Math.Min(s.OutW, (s.W - 1 - offset) / s.StrideW + 1);
        }
        while ((task = Interlocked.Increment(ref a->Next) - 1) < tasks)
        {
            int n = task / s.C, c = task % s.C;
            sbyte* plane = a->X + (long)task * s.H * s.W;
            sbyte* w = a->Weights + c * taps;
            for (int oh = 0; oh < s.OutH; oh++)
            {
                new Span<int>(acc, s.OutW).Clear();
                for (int kh = 0; kh < s.KH; kh++)
                {
                    int ih = oh * s.StrideH + kh * s.DilationH - s.PadTop;
                    if ((uint)ih >= (uint)s.H) continue;
                    sbyte* row = plane + (long)ih * s.W;
                    for (int kw = 0; kw < s.KW; kw++)
                        Tap(acc, row, w[kh * s.KW + kw], offsets[kw], lo[kw], hi[kw], s.W, s.StrideW);
                }
                long index = ((long)n * s.M + c) * s.OutH * s.OutW + (long)oh * s.OutW;
                a->Epilogue.Row(acc, s.OutW, 0, a->RowScale[c], c, index, scratch, residualScratch);
            }
        }
    }

    /// <summary>acc[ow] += row[ow · stride + offset] · w for every ow whose input lies inside the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tap(int* acc, sbyte* row, int w, int offset, int lo, int hi, int width, int stride)
    {
        if (w == 0) return;
        int ow = lo;
        if (Avx2.IsSupported)
        {
            // Eight outputs per step, so rows as narrow as PP-OCR's 20-pixel planes vectorize too.
            // Each sign-extended int32 lane read as two int16 halves: (x, sign) · (w, 0) = x · w,
            // so one vpmaddwd replaces the slower vpmulld.
            var vw = Vector256.Create(w & 0xFFFF).AsInt16();
            if (stride == 1)
            {
                for (; ow <= hi - 8; ow += 8)
                    Avx.Store(acc + ow, Avx2.Add(Avx.LoadVector256(acc + ow), Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int32(row + ow + offset).AsInt16(), vw)));
            }
            else if (stride == 2)
            {
                // 16 input bytes → the 8 even ones; only while all 16 lie inside the row.
                var even = Vector128.Create(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1).AsSByte();
                for (; ow <= hi - 8 && 2 * ow + offset + 16 <= width; ow += 8)
                {
                    var picked = Ssse3.Shuffle(Sse2.LoadVector128(row + 2 * ow + offset), even);
                    Avx.Store(acc + ow, Avx2.Add(Avx.LoadVector256(acc + ow), Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int32(picked).AsInt16(), vw)));
                }
            }
        }
        else if (stride == 1 && Vector.IsHardwareAccelerated)
        {
            int bytes = Vector<sbyte>.Count, ints = Vector<int>.Count;
            var vw = new Vector<int>(w);
            for (; ow <= hi - bytes; ow += bytes)
            {
                var v = Vector.Load(row + ow + offset);
                Vector.Widen(v, out Vector<short> s0, out Vector<short> s1);
                Vector.Widen(s0, out Vector<int> i0, out Vector<int> i1);
                Vector.Widen(s1, out Vector<int> i2, out Vector<int> i3);
                int* p = acc + ow;
                Vector.Store(Vector.Load(p) + i0 * vw, p);
                Vector.Store(Vector.Load(p + ints) + i1 * vw, p + ints);
                Vector.Store(Vector.Load(p + 2 * ints) + i2 * vw, p + 2 * ints);
                Vector.Store(Vector.Load(p + 3 * ints) + i3 * vw, p + 3 * ints);
            }
        }
        for (; ow < hi; ow++) acc[ow] += row[ow * stride + offset] * w;
    }
}
