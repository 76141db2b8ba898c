using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Depthwise convolution (group = C = M) computed directly, a few channel planes per task
/// (more when the planes are small). Each plane is first copied into a zero-padded buffer
/// (zeroed once per run: the copy only writes the interior) split into StrideW column phases
/// (column j of phase q is padded column j * StrideW + q), so that for every stride and
/// dilation the inputs of consecutive output columns are consecutive floats: the row loops
/// (<see cref="DepthwiseRows"/>) are plain vector loads and FMAs with no bounds checks.
/// </summary>
public sealed unsafe class DepthwiseConv2dKernel
{
    private readonly float[] _weights;
    private readonly nint[] _taps;

    /// <param name="weights">[C, 1, KH, KW] in ONNX order.</param>
    public DepthwiseConv2dKernel(Conv2dShape shape, ReadOnlySpan<float> weights, CpuConvTactic tactic)
    {
        shape.Validate();
        if (!shape.IsDepthwise) throw new ArgumentException($"convolution {shape} is not depthwise");
        if (tactic.Algorithm == ConvAlgorithm.Gemm) throw new ArgumentException($"tactic {tactic.Name} is not a depthwise tactic");
        if (weights.Length != shape.M * shape.KH * shape.KW)
            throw new ArgumentException($"depthwise {shape} needs {shape.M * shape.KH * shape.KW} weights, got {weights.Length}");
        Shape = shape;
        Tactic = tactic;
        _weights = GC.AllocateArray<float>(weights.Length, pinned: true);
        weights.CopyTo(_weights);
        var g = new DepthwiseGeometry(shape);
        _taps = GC.AllocateArray<nint>(shape.KH * shape.KW, pinned: true);
        for (int kh = 0; kh < shape.KH; kh++)
        for (int kw = 0; kw < shape.KW; kw++) _taps[kh * shape.KW + kw] = g.TapOffset(0, kh, kw);
    }

    public Conv2dShape Shape { get; }
    public CpuConvTactic Tactic { get; }

    public static long WorkspaceElements(Conv2dShape shape, int threads) => Math.Max(1, threads) * new DepthwiseGeometry(shape).SlotElements;

    public long WorkspaceElements(int threads) => WorkspaceElements(Shape, threads);

    private struct Args
    {
        public DepthwiseGeometry G;
        public float* X, Y, W, Workspace;
        public nint* Taps;
        public ConvEpilogue Epilogue;
        public int Image, Next;
        public bool Direct;
        public KernelIsa Isa;
    }

    /// <summary>y = depthwise(x) with the epilogue; x is [N, C, H, W], y is [N, C, OutH, OutW].</summary>
    public void Run(float* x, float* y, in ConvEpilogue epilogue, float* workspace, WorkerPool? pool)
    {
        var s = Shape;
        if (!KernelIsas.CanRun(Tactic.Isa)) throw new PlatformNotSupportedException($"tactic {Tactic.Name} needs {Tactic.Isa}");
        fixed (float* w = _weights)
        fixed (nint* taps = _taps)
        {
            var args = new Args
            {
                G = new DepthwiseGeometry(s), X = x, Y = y, W = w, Taps = taps, Workspace = workspace, Epilogue = epilogue,
                Direct = Tactic.Algorithm == ConvAlgorithm.DepthwiseDirect, Isa = Tactic.Isa,
            };
            int slots = Math.Min(pool?.Threads ?? 1, s.C);
            for (int n = 0; n < s.Batch; n++)
            {
                args.Image = n;
                args.Next = 0;
                if (pool is null || slots == 1) Body((nint)(&args), 0);
                else pool.Run(slots, &Body, (nint)(&args));
            }
        }
    }

    private static void Body(nint state, int slot)
    {
        var a = (Args*)state;
        ref readonly var g = ref a->G;
        float* buffer = a->Workspace + slot * g.SlotElements;
        // Padding positions are never written by the fill, so zeroing the slot once per run
        // serves every channel it takes.
        new Span<float>(buffer, (int)g.SlotElements).Clear();
        int plane = g.OutH * g.OutW;
        // Small planes are cheap, so a task takes several to keep the shared counter cool.
        int chunk = Math.Clamp(2048 / Math.Max(1, plane), 1, 16);
        bool identity = a->Epilogue.IsIdentity;
        int first;
        while ((first = Interlocked.Add(ref a->Next, chunk) - chunk) < g.C)
        for (int c = first, last = Math.Min(first + chunk, g.C) - 1; c <= last; c++)
        {
            long image = (long)a->Image * g.C + c;
            FillPadded(g, a->X + image * g.H * g.W, buffer);
            float* w = a->W + c * g.KH * g.KW;
            float* y = a->Y + image * plane;
            float bias = a->Epilogue.Bias == null ? 0f : a->Epilogue.Bias[c];
            float* residual = a->Epilogue.Residual == null ? null : a->Epilogue.Residual + image * plane;
            // The epilogue follows each block of rows (4 KiB of output, so it is still in L1 beside the input rows; a small plane is one block).
            // A row's last vector may spill into the next row, or the next plane when this task computes it next.
            int rows = Math.Max(1, 1024 / g.OutW);
            for (int oh = 0; oh < g.OutH; oh += rows)
            {
                int end = Math.Min(g.OutH, oh + rows);
                if (a->Isa == KernelIsa.Portable) DepthwiseRows.Scalar(g, buffer, a->Taps, w, oh, end, y);
                else if (a->Direct && g.KH == 3 && g.KW == 3) DepthwiseRows.Window3x3(g, buffer, a->Taps, w, oh, end, y, c < last);
                else if (a->Direct && g.KH == 5 && g.KW == 5) DepthwiseRows.Window5x5(g, buffer, a->Taps, w, oh, end, y, c < last);
                else DepthwiseRows.Taps(g, buffer, a->Taps, w, oh, end, y, c < last);
                if (!identity)
                    ApplyEpilogue(a, y + oh * g.OutW, (end - oh) * g.OutW, bias, residual == null ? null : residual + oh * g.OutW);
            }
        }
    }

    private static void ApplyEpilogue(Args* a, float* y, int n, float bias, float* residual) =>
        EpilogueRows.Apply(y, n, bias, residual, a->Epilogue.Activation, a->Epilogue.ActivationFirst,
            a->Epilogue.PostScale, a->Epilogue.PostShift, a->Isa);

    /// <summary>Copies one input plane into the interior of the phase-split buffer; its padding is already zero.</summary>
    private static void FillPadded(in DepthwiseGeometry g, float* plane, float* buffer)
    {
        int rowFloats = g.StrideW * g.PhaseWidth;
        for (int ih = 0; ih < g.H; ih++)
        {
            float* dst = buffer + (nint)(ih + g.PadTop) * rowFloats;
            float* s = plane + (nint)ih * g.W;
            // Top to bottom: the zeros a row's last vector writes past it land in padding or in the next row, copied after.
            if (g.StrideW == 1) DepthwiseRows.CopyZeroFilled(s, dst + g.PadLeft, g.W);
            else if (g.StrideW == 2) Deinterleave(s, g.W, dst, g.PadLeft, g.PhaseWidth);
            else
                for (int q = 0; q < g.StrideW; q++)
                {
                    // Phase q holds input columns iw = j * StrideW + q - PadLeft.
                    float* d = dst + q * g.PhaseWidth;
                    int firstColumn = q - g.PadLeft;
                    int j = firstColumn >= 0 ? 0 : (-firstColumn + g.StrideW - 1) / g.StrideW;
                    for (int iw = j * g.StrideW + firstColumn; iw < g.W; iw += g.StrideW, j++) d[j] = s[iw];
                }
        }
    }

    /// <summary>Splits a row into even and odd input columns, placed in their stride-2 phases.</summary>
    private static void Deinterleave(float* src, int w, float* dst, int padLeft, int phaseWidth)
    {
        // Input column iw sits at padded column iw + padLeft: phase (iw + padLeft) % 2, index (iw + padLeft) / 2.
        float* even = dst + (padLeft & 1) * phaseWidth + padLeft / 2;
        float* odd = dst + ((padLeft + 1) & 1) * phaseWidth + (padLeft + 1) / 2;
        int t = 0;
        if (Avx2.IsSupported)
        {
            var gather = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (; 2 * t + 16 <= w; t += 8)
            {
                var p0 = Avx2.PermuteVar8x32(Avx.LoadVector256(src + 2 * t), gather);
                var p1 = Avx2.PermuteVar8x32(Avx.LoadVector256(src + 2 * t + 8), gather);
                Avx.Store(even + t, Avx2.Permute2x128(p0, p1, 0x20));
                Avx.Store(odd + t, Avx2.Permute2x128(p0, p1, 0x31));
            }
        }
        for (; 2 * t < w; t++)
        {
            even[t] = src[2 * t];
            if (2 * t + 1 < w) odd[t] = src[2 * t + 1];
        }
    }
}

/// <summary>The numbers every depthwise row loop needs, precomputed once per run.</summary>
internal readonly struct DepthwiseGeometry
{
    public DepthwiseGeometry(Conv2dShape s)
    {
        C = s.C; H = s.H; W = s.W; OutH = s.OutH; OutW = s.OutW; KH = s.KH; KW = s.KW;
        StrideH = s.StrideH; StrideW = s.StrideW; PadTop = s.PadTop; PadLeft = s.PadLeft;
        DilationH = s.DilationH; DilationW = s.DilationW;
        PaddedRows = s.H + s.PadTop + s.PadBottom;
        PhaseWidth = (s.W + s.PadLeft + s.PadRight + s.StrideW - 1) / s.StrideW;
        SlotElements = (nint)PaddedRows * StrideW * PhaseWidth + Slack;
        RowStep = (nint)StrideH * StrideW * PhaseWidth;
    }

    /// <summary>Floats past the padded plane that a row's last, partial vector may read (and ignore).</summary>
    public static int Slack => System.Numerics.Vector<float>.Count;

    public int C { get; }
    public int H { get; }
    public int W { get; }
    public int OutH { get; }
    public int OutW { get; }
    public int KH { get; }
    public int KW { get; }
    public int StrideH { get; }
    public int StrideW { get; }
    public int PadTop { get; }
    public int PadLeft { get; }
    public int DilationH { get; }
    public int DilationW { get; }
    public int PaddedRows { get; }
    public int PhaseWidth { get; }
    public nint SlotElements { get; }
    /// <summary>How far the taps move in the buffer from one output row to the next.</summary>
    public nint RowStep { get; }

    /// <summary>Offset of tap (kh, kw) for output row oh, output column 0, in the padded buffer.</summary>
    public nint TapOffset(int oh, int kh, int kw)
    {
        int col = kw * DilationW;
        return ((nint)(oh * StrideH + kh * DilationH) * StrideW + col % StrideW) * PhaseWidth + col / StrideW;
    }
}
