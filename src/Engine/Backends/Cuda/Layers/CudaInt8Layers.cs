using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// <see cref="QuantizedOps.QConv"/> on the GPU: int8 implicit GEMM on tensor cores
/// (<c>mma.sync</c> m16n8k32, sm_80+) or with <c>dp4a</c> (any GPU since sm_61), exact int32
/// accumulation, the per-channel rescale and FusedConv epilogue, and int8 or float output.
/// </summary>
internal sealed unsafe class CudaQConvLayer : CudaLayer
{
    public const string Dp4aTactic = "dp4a";
    /// <summary>K is padded to whole 64-byte tiles (the tensor-core kernel's step; dp4a steps 32).</summary>
    public const int KTile = 64;

    private readonly KernelModule _module;
    private readonly ConvTileConfig? _config;
    private readonly DeviceBuffer _weights, _wScale, _bias, _ktable;
    private readonly TensorSlot _input, _output;
    private readonly TensorSlot? _residual;
    private readonly QConvParams _params;
    private nint _function;

    public static bool CanCompile(LayerSpec spec)
    {
        var node = spec.Node;
        if (QuantizedOps.IsNhwc(node)) return false;
        if (spec.Input(QuantizedOps.X) is not { Type: DataType.Int8, IsConstant: false } x || x.Shape.Length != 4) return false;
        if (spec.Input(QuantizedOps.W).Constant is not { Type: DataType.Int8, Rank: 4 }) return false;
        if (spec.OptionalInput(QuantizedOps.Bias) is { Constant: null }) return false;
        if (spec.OptionalInput(QuantizedOps.Residual) is { } r && (r.IsConstant || !r.Shape.AsSpan().SequenceEqual(spec.Output(0).Shape))) return false;
        return node.GetInt("transposed", 0) == 0;
    }

    public static Conv2dShape Shape(LayerSpec spec)
    {
        var w = spec.Input(QuantizedOps.W).Constant!;
        return Conv2dShape.From(spec.Input(QuantizedOps.X).Shape, w.Shape, WindowAttributes.Parse(spec.Node, 2, w.Shape[2..]), (int)spec.Node.GetInt("group", 1));
    }

    /// <summary>Tensor-core tiles (without split-K) where the GPU has them, fastest-first by the occupancy model, then dp4a.</summary>
    public static IReadOnlyList<Tactic> Tactics(Conv2dShape shape, bool tensorCores, int multiprocessors)
    {
        var tiles = tensorCores
            ? CudaConvTactics.Enumerate(shape, true, multiprocessors).Where(c => c is { TensorCores: true, Splits: 1 }).Select(c => c.ToTactic())
            : [];
        return tiles.Append(Tactic.Default(Dp4aTactic)).ToList();
    }

    /// <summary>The kernel module a tensor-core tile (or, for null, the dp4a kernel) compiles to.</summary>
    public static KernelModule ModuleOf(ConvTileConfig? config, bool halfStorage) => config is { } c
        ? KernelModule.Of("qconv_mma", ("BM", c.BM), ("BN", c.BN), ("WARPS_M", c.WarpsM), ("WARPS_N", c.WarpsN), ("STORAGE_HALF", halfStorage ? 1 : 0))
        : CudaBackend.StorageModule("qconv", halfStorage);

    public CudaQConvLayer(CudaBackend backend, LayerSpec spec, Tactic tactic) : base(backend)
    {
        _config = tactic.Name == Dp4aTactic ? null : ConvTileConfig.FromTactic(tactic);
        _module = ModuleOf(_config, backend.HalfStorage);
        var node = spec.Node;
        _input = spec.Input(QuantizedOps.X);
        _output = spec.Output(0);
        var w = spec.Input(QuantizedOps.W).Constant!;
        var shape = Shape(spec);
        int kpad = (shape.KPerGroup + KTile - 1) / KTile * KTile, mpad = CudaConvTactics.MPad(shape), kdim = shape.KPerGroup;
        var packed = new sbyte[(long)shape.Group * mpad * kpad];
        var source = (sbyte[])w.Data;
        for (int g = 0; g < shape.Group; g++)
            for (int m = 0; m < shape.MPerGroup; m++)
                Array.Copy(source, ((long)g * shape.MPerGroup + m) * kdim, packed, ((long)g * mpad + m) * kpad, kdim);
        _weights = backend.Device.Upload<sbyte>(packed);
        _wScale = backend.Device.Upload<float>(spec.Input(QuantizedOps.WScale).Constant!.Floats);
        var bias = new float[shape.M];
        if (spec.OptionalInput(QuantizedOps.Bias)?.Constant is { } b)
            for (int i = 0; i < bias.Length; i++) bias[i] = b.Floats[b.Length == 1 ? 0 : i];
        _bias = backend.Device.Upload<float>(bias);
        _ktable = backend.Device.Upload<int>(CudaConvLayer.KTable(shape, kpad));
        _residual = spec.OptionalInput(QuantizedOps.Residual);
        var yScale = spec.OptionalInput(QuantizedOps.YScale)?.Constant;
        var residualScale = spec.OptionalInput(QuantizedOps.ResidualScale)?.Constant;
        _params = new QConvParams
        {
            Conv = new ConvParams
            {
                Batch = shape.Batch, C = shape.C, H = shape.H, W = shape.W, M = shape.M, OH = shape.OutH, OW = shape.OutW,
                KDim = kdim, KPad = kpad, MPad = mpad, Groups = shape.Group, MPerGroup = shape.MPerGroup, CPerGroup = shape.CPerGroup,
                StrideH = shape.StrideH, StrideW = shape.StrideW, PadH = shape.PadTop, PadW = shape.PadLeft,
                NPix = checked((int)CudaConvTactics.Pixels(shape)), HasResidual = _residual is null ? 0 : 1, Splits = 1,
                Epilogue = CudaConvLayer.Epilogue(node),
            },
            XScale = spec.Input(QuantizedOps.XScale).Constant!.Floats[0],
            InverseYScale = yScale is null ? 0 : 1f / yScale.Floats[0],
            ResidualScale = residualScale?.Floats[0] ?? 1f,
            OutInt8 = _output.Type == DataType.Int8 ? 1 : 0,
            ResidualInt8 = _residual?.Type == DataType.Int8 ? 1 : 0,
        };
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _config is null ? "qconv_dp4a" : "qconv_mma");
        ulong x = Address(state, _input), y = Address(state, _output), w = _weights.Pointer, ws = _wScale.Pointer, b = _bias.Pointer, kt = _ktable.Pointer;
        ulong r = _residual is null ? 0 : Address(state, _residual);
        var p = _params;
        void** args = stackalloc void*[] { &x, &w, &ws, &b, &kt, &r, &y, &p };
        int bm = _config?.BM ?? 64, bn = _config?.BN ?? 64;
        uint gx = (uint)((p.Conv.NPix + bn - 1) / bn), gy = (uint)((p.Conv.MPerGroup + bm - 1) / bm);
        Launch(_function, gx, gy, (uint)p.Conv.Groups, (uint)(_config?.ThreadsPerBlock ?? 256), state, args);
    }
}

/// <summary>QuantizeLinear into an INT8 region: scalar scale, zero point 0 (what the INT8 rewrite writes).</summary>
internal sealed unsafe class CudaQuantizeLayer(CudaBackend backend, LayerSpec spec) : CudaLayer(backend)
{
    private readonly KernelModule _module = backend.Module("qconv");
    private readonly float _scale = spec.Input(1).Constant!.Floats[0];
    private nint _function;

    public static bool CanCompile(LayerSpec spec) =>
        spec.Input(0) is { Type: DataType.Float32, IsConstant: false } && spec.Output(0).Type == DataType.Int8
        && spec.Input(1).Constant is { Type: DataType.Float32, Length: 1 } s && s.Floats[0] > 0
        && (spec.OptionalInput(2) is null || spec.OptionalInput(2)!.Constant is { Length: 1 } z && z.ToLongs()[0] == 0);

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "quantize_linear");
        ulong x = Address(state, spec.Input(0)), y = Address(state, spec.Output(0));
        long total = spec.Output(0).ElementCount;
        float scale = _scale;
        void** args = stackalloc void*[] { &x, &y, &total, &scale };
        Launch(_function, Blocks(total), 1, 1, Threads, state, args);
    }
}
