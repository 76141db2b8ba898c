using System.Numerics;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Transposed convolution as a GEMM to columns followed by col2im: per group,
/// cols[(m, kh, kw) x (ih, iw)] = W^T x, with the input itself as B (no packing of an
/// unrolled matrix), then every column row is added into its strided place in the output
/// plane and the epilogue runs on the finished plane. Output channels are independent in the
/// second step, so it is split over the pool by channel.
/// </summary>
public sealed unsafe class ConvTranspose2dKernel
{
    private readonly PackedGemmWeights[] _groups;

    /// <param name="weights">[C, M / group, KH, KW] in ONNX order.</param>
    public ConvTranspose2dKernel(ConvTranspose2dShape shape, ReadOnlySpan<float> weights, GemmTactic tactic)
    {
        shape.Validate();
        long expected = (long)shape.C * shape.ColumnRows;
        if (weights.Length != expected) throw new ArgumentException($"transposed convolution {shape} needs {expected} weights, got {weights.Length}");
        Shape = shape;
        Tactic = tactic;
        int rows = shape.ColumnRows, cg = shape.CPerGroup;
        _groups = new PackedGemmWeights[shape.Group];
        fixed (float* w = weights)
            for (int g = 0; g < shape.Group; g++)
                _groups[g] = new PackedGemmWeights(w + (long)g * cg * rows, rows, cg, 1, rows, tactic);
    }

    public ConvTranspose2dShape Shape { get; }
    public GemmTactic Tactic { get; }

    public static GemmTactic DefaultTactic(ConvTranspose2dShape s) => GemmTactic.Default(s.ColumnRows, s.H * s.W, s.CPerGroup);

    public static IReadOnlyList<GemmTactic> Enumerate(ConvTranspose2dShape s) =>
        new[] { DefaultTactic(s) }.Concat(GemmTactic.Enumerate(s.ColumnRows, s.H * s.W, s.CPerGroup, plainB: true)).DistinctBy(t => t.Name).ToArray();

    /// <summary>The column matrix of one group followed by the GEMM's packing buffers.</summary>
    public static long WorkspaceElements(ConvTranspose2dShape s, GemmTactic tactic, int threads) =>
        (long)s.ColumnRows * s.H * s.W + Gemm.WorkspaceElements(tactic, s.CPerGroup, s.H * s.W, threads);

    public long WorkspaceElements(int threads) => WorkspaceElements(Shape, Tactic, threads);

    private struct Col2ImArgs
    {
        public float* Columns, Y;
        public ConvEpilogue Epilogue;
        public int Image, FirstChannel, Channels, Next;
        public int H, W, OutH, OutW, KH, KW, StrideH, StrideW, PadTop, PadLeft, DilationH, DilationW, M;
        public KernelIsa Isa;
    }

    public void Run(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual,
        Activation activation, bool activationFirst, Span<float> workspace, WorkerPool? pool, float postScale = 1f, float postShift = 0f)
    {
        var s = Shape;
        long inLength = (long)s.Batch * s.C * s.H * s.W, outLength = (long)s.Batch * s.M * s.OutH * s.OutW;
        if (x.Length < inLength || y.Length < outLength || (!residual.IsEmpty && residual.Length < outLength))
            throw new ArgumentException($"transposed convolution {s} needs {inLength} inputs and {outLength} outputs");
        if (!bias.IsEmpty && bias.Length < s.M) throw new ArgumentException($"bias needs {s.M} values, got {bias.Length}");
        if (workspace.Length < WorkspaceElements(pool?.Threads ?? 1)) throw new ArgumentException("workspace is too small");
        fixed (float* px = x, py = y, pb = bias, pr = residual, pw = workspace)
            Run(px, py, new ConvEpilogue(pb, activation, pr, activationFirst, postScale, postShift), pw, pool);
    }

    public void Run(float* x, float* y, in ConvEpilogue epilogue, float* workspace, WorkerPool? pool)
    {
        var s = Shape;
        int inPlane = s.H * s.W;
        float* columns = workspace;
        float* gemmWorkspace = workspace + (long)s.ColumnRows * inPlane;
        var args = new Col2ImArgs
        {
            Columns = columns, Y = y, Epilogue = epilogue, Channels = s.MPerGroup,
            H = s.H, W = s.W, OutH = s.OutH, OutW = s.OutW, KH = s.KH, KW = s.KW, StrideH = s.StrideH, StrideW = s.StrideW,
            PadTop = s.PadTop, PadLeft = s.PadLeft, DilationH = s.DilationH, DilationW = s.DilationW, M = s.M, Isa = Tactic.Isa,
        };
        for (int n = 0; n < s.Batch; n++)
        for (int g = 0; g < s.Group; g++)
        {
            float* xg = x + ((long)n * s.C + (long)g * s.CPerGroup) * inPlane;
            Gemm.Run(_groups[g], BSource.Plain(xg, inPlane, 1), inPlane, columns, inPlane, Epilogue.None, gemmWorkspace, pool);
            args.Image = n;
            args.FirstChannel = g * s.MPerGroup;
            args.Next = 0;
            int slots = Math.Min(pool?.Threads ?? 1, s.MPerGroup);
            if (pool is null || slots == 1) Col2Im((nint)(&args), 0);
            else pool.Run(slots, &Col2Im, (nint)(&args));
        }
    }

    private static void Col2Im(nint state, int slot)
    {
        var a = (Col2ImArgs*)state;
        int outPlane = a->OutH * a->OutW, inPlane = a->H * a->W, window = a->KH * a->KW;
        int m;
        while ((m = Interlocked.Increment(ref a->Next) - 1) < a->Channels)
        {
            int channel = a->FirstChannel + m;
            float* plane = a->Y + ((long)a->Image * a->M + channel) * outPlane;
            new Span<float>(plane, outPlane).Clear();
            for (int kh = 0; kh < a->KH; kh++)
            for (int kw = 0; kw < a->KW; kw++)
            {
                float* col = a->Columns + ((long)m * window + kh * a->KW + kw) * inPlane;
                int colOffset = kw * a->DilationW - a->PadLeft;
                // Input columns landing inside the output: [iwLo, iwHi).
                int iwLo = colOffset >= 0 ? 0 : (-colOffset + a->StrideW - 1) / a->StrideW;
                int iwHi = a->OutW - 1 - colOffset < 0 ? 0 : Math.Min(a->W, (a->OutW - 1 - colOffset) / a->StrideW + 1);
                if (iwHi <= iwLo) continue;
                for (int ih = 0; ih < a->H; ih++)
                {
                    int oh = ih * a->StrideH + kh * a->DilationH - a->PadTop;
                    if ((uint)oh >= (uint)a->OutH) continue;
                    float* src = col + ih * a->W;
                    float* dst = plane + oh * a->OutW + colOffset;
                    if (a->StrideW == 1) AddRow(dst + iwLo, src + iwLo, iwHi - iwLo);
                    else for (int iw = iwLo; iw < iwHi; iw++) dst[iw * a->StrideW] += src[iw];
                }
            }
            ref readonly var ep = ref a->Epilogue;
            float bias = ep.Bias == null ? 0f : ep.Bias[channel];
            if (ep.IsIdentity) continue;
            float* residual = ep.Residual == null ? null : ep.Residual + ((long)a->Image * a->M + channel) * outPlane;
            EpilogueRows.Apply(plane, outPlane, bias, residual, ep.Activation, ep.ActivationFirst, ep.PostScale, ep.PostShift, a->Isa);
        }
    }

    private static void AddRow(float* dst, float* src, int count)
    {
        int vw = Vector<float>.Count, i = 0;
        for (; i <= count - vw; i += vw) Vector.Store(Vector.Load(dst + i) + Vector.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] += src[i];
    }
}
