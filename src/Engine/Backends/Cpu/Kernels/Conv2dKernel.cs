using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// An NCHW 2-D convolution compiled for one shape and tactic: weights are packed once here
/// (per group for the GEMM algorithm), and <see cref="Run"/> only reads them. Pointwise
/// convolutions feed the input to the GEMM as B directly; other windows are unrolled by the
/// im2col packer into the caller's workspace; depthwise layers go to the direct kernel.
/// </summary>
public sealed unsafe class Conv2dKernel
{
    private readonly PackedGemmWeights[]? _groups;
    private readonly DepthwiseConv2dKernel? _depthwise;

    /// <param name="weights">[M, C / group, KH, KW] in ONNX order.</param>
    public Conv2dKernel(Conv2dShape shape, ReadOnlySpan<float> weights, CpuConvTactic tactic)
    {
        shape.Validate();
        if (!tactic.Supports(shape)) throw new ArgumentException($"tactic {tactic.Name} does not fit convolution {shape}");
        long expected = (long)shape.M * shape.KPerGroup;
        if (weights.Length != expected) throw new ArgumentException($"convolution {shape} needs {expected} weights, got {weights.Length}");
        Shape = shape;
        Tactic = tactic;
        if (tactic.Algorithm != ConvAlgorithm.Gemm)
        {
            _depthwise = new DepthwiseConv2dKernel(shape, weights, tactic);
            return;
        }
        int mg = shape.MPerGroup, kg = shape.KPerGroup;
        _groups = new PackedGemmWeights[shape.Group];
        fixed (float* w = weights)
            for (int g = 0; g < shape.Group; g++)
                _groups[g] = new PackedGemmWeights(w + (long)g * mg * kg, mg, kg, kg, 1, tactic.Gemm!);
    }

    public Conv2dShape Shape { get; }
    public CpuConvTactic Tactic { get; }

    /// <summary>Floats of scratch <see cref="Run"/> needs with a pool of <paramref name="threads"/> threads.</summary>
    public static long WorkspaceElements(Conv2dShape shape, CpuConvTactic tactic, int threads) => tactic.Algorithm switch
    {
        ConvAlgorithm.Gemm => Gemm.WorkspaceElements(tactic.Gemm!, shape.KPerGroup, shape.OutH * shape.OutW, threads),
        _ => DepthwiseConv2dKernel.WorkspaceElements(shape, threads),
    };

    public long WorkspaceElements(int threads) => WorkspaceElements(Shape, Tactic, threads);

    /// <summary>The span form: lengths are checked, an empty bias or residual means none. Allocates nothing.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual,
        Activation activation, bool activationFirst, Span<float> workspace, WorkerPool? pool, float postScale = 1f, float postShift = 0f)
    {
        var s = Shape;
        long inLength = (long)s.Batch * s.C * s.H * s.W, outLength = (long)s.Batch * s.M * s.OutH * s.OutW;
        if (x.Length < inLength || y.Length < outLength || (!residual.IsEmpty && residual.Length < outLength))
            throw new ArgumentException($"convolution {s} needs {inLength} inputs and {outLength} outputs");
        if (!bias.IsEmpty && bias.Length < s.M) throw new ArgumentException($"bias needs {s.M} values, got {bias.Length}");
        if (workspace.Length < WorkspaceElements(pool?.Threads ?? 1)) throw new ArgumentException("workspace is too small");
        fixed (float* px = x, py = y, pb = bias, pr = residual, pw = workspace)
            Run(px, py, new ConvEpilogue(pb, activation, pr, activationFirst, postScale, postShift), pw, pool);
    }

    /// <summary>y = conv(x) with the epilogue; x is [N, C, H, W], y is [N, M, OutH, OutW]; y must not alias x.</summary>
    public void Run(float* x, float* y, in ConvEpilogue epilogue, float* workspace, WorkerPool? pool)
    {
        if (_depthwise is not null)
        {
            _depthwise.Run(x, y, epilogue, workspace, pool);
            return;
        }
        var s = Shape;
        int inPlane = s.H * s.W, outPlane = s.OutH * s.OutW;
        for (int n = 0; n < s.Batch; n++)
        for (int g = 0; g < s.Group; g++)
        {
            float* xg = x + ((long)n * s.C + (long)g * s.CPerGroup) * inPlane;
            float* yg = y + ((long)n * s.M + (long)g * s.MPerGroup) * outPlane;
            var b = s.IsPointwise ? BSource.Plain(xg, inPlane, 1) : BSource.Image(xg, s);
            var ep = epilogue.ForImage(n, s.M, g * s.MPerGroup, outPlane);
            Gemm.Run(_groups![g], b, outPlane, yg, outPlane, ep, workspace, pool);
        }
    }
}
