using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// A channels-last <see cref="QuantizedOps.QConv"/> (layout NHWC) on tensor cores: the input is
/// copied to shared memory 16 bytes at a time by a multi-stage <c>cp.async</c> pipeline,
/// <c>mma.sync</c> m16n8k32 accumulates exactly in int32, and the epilogue requantizes and
/// stores 8 channels per thread; split-K sums partials through the layer's workspace.
/// </summary>
internal sealed unsafe class CudaQConvNhwcLayer : CudaLayer
{
    private const int MaxDynamicSharedSizeAttribute = 8;

    private readonly KernelModule _module;
    private readonly QConvNhwcConfig _config;
    private readonly DeviceBuffer _weights, _wScale, _bias, _chunks;
    private readonly TensorSlot _input, _output;
    private readonly TensorSlot? _residual;
    private readonly long _workspace;
    private readonly QConvParams _params;
    private nint _main, _reduce;

    /// <summary>The convolution's NCHW geometry (X is stored [N, H, W, C]).</summary>
    public static Conv2dShape Shape(LayerSpec spec)
    {
        var x = spec.Input(QuantizedOps.X).Shape;
        var w = spec.Input(QuantizedOps.W).Constant!;
        return Conv2dShape.From([x[0], x[3], x[1], x[2]], w.Shape, WindowAttributes.Parse(spec.Node, 2, w.Shape[2..]), (int)spec.Node.GetInt("group", 1));
    }

    /// <summary>Whether this kernel runs the node as it is in the graph (before it is NHWC; shapes inferred): the layout pass's rule.</summary>
    public static bool Wants(Node node)
    {
        if (node.Input(QuantizedOps.X) is not { Type: DataType.Int8, Constant: null, Shape: { Rank: 4, IsStatic: true } xs }) return false;
        if (node.Input(QuantizedOps.W)?.Constant is not { Type: DataType.Int8, Rank: 4 } w) return false;
        if (node.Input(QuantizedOps.Bias) is { Constant: null }) return false;
        if (node.Input(QuantizedOps.Residual) is { } r && (r.Constant is not null || r.Shape is null || !r.Shape.Equals(node.Outputs[0].Shape))) return false;
        if (node.GetInt("transposed", 0) != 0) return false;
        int[] x = [.. xs.Dims.Select(d => (int)d.Value!.Value)];
        if (QuantizedOps.IsNhwc(node)) x = [x[0], x[3], x[1], x[2]];
        return QConvNhwcTactics.Fits(Conv2dShape.From(x, w.Shape, WindowAttributes.Parse(node, 2, w.Shape[2..]), (int)node.GetInt("group", 1)));
    }

    public static bool CanCompile(LayerSpec spec)
    {
        if (!QuantizedOps.IsNhwc(spec.Node)) return false;
        if (spec.Input(QuantizedOps.X) is not { Type: DataType.Int8, IsConstant: false } x || x.Shape.Length != 4) return false;
        if (spec.Input(QuantizedOps.W).Constant is not { Type: DataType.Int8, Rank: 4 }) return false;
        if (spec.OptionalInput(QuantizedOps.Bias) is { Constant: null }) return false;
        if (spec.OptionalInput(QuantizedOps.Residual) is { } r && (r.IsConstant || !r.Shape.AsSpan().SequenceEqual(spec.Output(0).Shape))) return false;
        return spec.Node.GetInt("transposed", 0) == 0 && QConvNhwcTactics.Fits(Shape(spec));
    }

    /// <summary>The kernel module one tactic compiles to (split-K ways are a launch parameter, not a define).</summary>
    public static KernelModule ModuleOf(QConvNhwcConfig config, bool halfStorage) =>
        KernelModule.Of("qconv_nhwc", ("BM", config.BM), ("BN", config.BN), ("WARPS_M", config.WarpsM), ("WARPS_N", config.WarpsN),
            ("STAGES", config.Stages), ("VEC", config.Vec), ("STORAGE_HALF", halfStorage ? 1 : 0));

    public CudaQConvNhwcLayer(CudaBackend backend, LayerSpec spec, Tactic tactic) : base(backend)
    {
        var shape = Shape(spec);
        _config = QConvNhwcConfig.FromTactic(tactic);
        if (!QConvNhwcTactics.Valid(_config) || _config.Vec != QConvNhwcTactics.Vec(shape.CPerGroup))
            throw new InvalidOperationException($"tactic {tactic} does not fit {spec.Node.Describe()} ({shape})");
        _module = ModuleOf(_config, backend.HalfStorage);
        _input = spec.Input(QuantizedOps.X);
        _output = spec.Output(0);
        _residual = spec.OptionalInput(QuantizedOps.Residual);
        _workspace = spec.WorkspaceOffset;
        int kpad = QConvNhwcTactics.KPad(shape), mpad = CudaConvTactics.MPad(shape);
        _weights = backend.Device.Upload<sbyte>(PackWeights(shape, (sbyte[])spec.Input(QuantizedOps.W).Constant!.Data, mpad, kpad));
        _wScale = backend.Device.Upload<float>(spec.Input(QuantizedOps.WScale).Constant!.Floats);
        var bias = new float[shape.M];
        if (spec.OptionalInput(QuantizedOps.Bias)?.Constant is { } b)
            for (int i = 0; i < bias.Length; i++) bias[i] = b.Floats[b.Length == 1 ? 0 : i];
        _bias = backend.Device.Upload<float>(bias);
        _chunks = backend.Device.Upload<int>(ChunkTable(shape, kpad, _config.Vec));
        var yScale = spec.OptionalInput(QuantizedOps.YScale)?.Constant;
        var residualScale = spec.OptionalInput(QuantizedOps.ResidualScale)?.Constant;
        _params = new QConvParams
        {
            Conv = new ConvParams
            {
                Batch = shape.Batch, C = shape.C, H = shape.H, W = shape.W, M = shape.M, OH = shape.OutH, OW = shape.OutW,
                KDim = shape.KPerGroup, KPad = kpad, MPad = mpad, Groups = shape.Group, MPerGroup = shape.MPerGroup, CPerGroup = shape.CPerGroup,
                StrideH = shape.StrideH, StrideW = shape.StrideW, PadH = shape.PadTop, PadW = shape.PadLeft,
                NPix = checked((int)CudaConvTactics.Pixels(shape)), HasResidual = _residual is null ? 0 : 1, Splits = _config.Splits,
                Epilogue = CudaConvLayer.Epilogue(spec.Node),
            },
            XScale = spec.Input(QuantizedOps.XScale).Constant!.Floats[0],
            InverseYScale = yScale is null ? 0 : 1f / yScale.Floats[0],
            ResidualScale = residualScale?.Floats[0] ?? 1f,
            OutInt8 = _output.Type == DataType.Int8 ? 1 : 0,
            ResidualInt8 = _residual?.Type == DataType.Int8 ? 1 : 0,
        };
    }

    /// <summary>
    /// The GEMM's A: per group, <paramref name="mpad"/> rows of <paramref name="kpad"/> bytes, k ordered
    /// (r, s, c) with the channel fastest to match the NHWC input; zero padded.
    /// </summary>
    internal static sbyte[] PackWeights(Conv2dShape shape, sbyte[] w, int mpad, int kpad)
    {
        int cpg = shape.CPerGroup, kh = shape.KH, kw = shape.KW, mpg = shape.MPerGroup;
        var packed = new sbyte[(long)shape.Group * mpad * kpad];
        for (int g = 0; g < shape.Group; g++)
            for (int m = 0; m < mpg; m++)
            {
                long src = (long)(g * mpg + m) * cpg * kh * kw, dst = ((long)g * mpad + m) * kpad;
                for (int c = 0; c < cpg; c++)
                    for (int r = 0; r < kh; r++)
                        for (int s = 0; s < kw; s++)
                            packed[dst + (r * kw + s) * cpg + c] = w[src + (c * kh + r) * kw + s];
            }
        return packed;
    }

    /// <summary>
    /// One int4 per run of <paramref name="vec"/> k: channel offset, tap row and column offsets
    /// (dilation applied); runs past K get a row offset of 1 &lt;&lt; 28 so their copy reads nothing.
    /// </summary>
    internal static int[] ChunkTable(Conv2dShape shape, int kpad, int vec)
    {
        var table = new int[4 * (kpad / vec)];
        for (int j = 0; j < kpad / vec; j++)
        {
            int k = j * vec;
            if (k >= shape.KPerGroup) { table[4 * j + 1] = 1 << 28; continue; }
            int tap = k / shape.CPerGroup;
            table[4 * j] = k % shape.CPerGroup;
            table[4 * j + 1] = tap / shape.KW * shape.DilationH;
            table[4 * j + 2] = tap % shape.KW * shape.DilationW;
        }
        return table;
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_main == 0)
        {
            var main = Backend.Kernels.Function(_module, "qconv_nhwc");
            Backend.Device.Check(Backend.Device.Driver.FuncSetAttribute(main, MaxDynamicSharedSizeAttribute, _config.SharedBytes), "cuFuncSetAttribute");
            _reduce = Backend.Kernels.Function(_module, "qconv_nhwc_reduce");
            _main = main;
        }
        ulong x = Address(state, _input), y = Address(state, _output), w = _weights.Pointer, ws = _wScale.Pointer, b = _bias.Pointer, ct = _chunks.Pointer;
        ulong r = _residual is null ? 0 : Address(state, _residual);
        ulong partial = _config.Splits > 1 ? (ulong)state.Arena + (ulong)_workspace : 0;
        var p = _params;
        void** args = stackalloc void*[] { &x, &w, &ws, &b, &ct, &r, &y, &partial, &p };
        uint gx = (uint)((p.Conv.NPix + _config.BN - 1) / _config.BN), gy = (uint)((p.Conv.MPerGroup + _config.BM - 1) / _config.BM);
        Launch(_main, gx, gy, (uint)(p.Conv.Groups * p.Conv.Splits), (uint)_config.ThreadsPerBlock, (uint)_config.SharedBytes, state, args);
        if (_config.Splits > 1)
        {
            void** reduceArgs = stackalloc void*[] { &partial, &ws, &b, &r, &y, &p };
            Launch(_reduce, Blocks((long)p.Conv.NPix * ((p.Conv.M + 7) / 8)), 1, 1, Threads, state, reduceArgs);
        }
    }
}
