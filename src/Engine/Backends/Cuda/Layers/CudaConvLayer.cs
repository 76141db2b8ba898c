using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// A convolution, or a Gemm/MatMul by constant weights seen as a 1x1 convolution over
/// [rows, K, 1, 1], on the implicit-GEMM kernels: tensor cores (FP16) or FP32 FMA, with the
/// fused epilogue, and split-K through the layer's workspace when the tactic asks for it.
/// </summary>
internal sealed unsafe class CudaConvLayer : CudaLayer
{
    private readonly ConvTileConfig _config;
    private readonly KernelModule _module;
    private readonly DeviceBuffer _weights, _bias, _ktable;
    private readonly TensorSlot _input, _output;
    private readonly TensorSlot? _residual;
    private readonly long _workspace;
    private ConvParams _params;
    private nint _main, _reduce;

    /// <summary>The kernel module one tactic compiles to (tensor-core tiles are FP16-only).</summary>
    public static KernelModule ModuleOf(ConvTileConfig config, bool pointwise, bool halfStorage) => config.TensorCores
        ? KernelModule.Of("conv_mma", ("BM", config.BM), ("BN", config.BN), ("WARPS_M", config.WarpsM), ("WARPS_N", config.WarpsN),
            ("POINTWISE", pointwise ? 1 : 0), ("STORAGE_HALF", 1))
        : KernelModule.Of("conv_simt", ("STORAGE_HALF", halfStorage ? 1 : 0));

    /// <param name="weights">Per group, rows of <c>KPerGroup</c> weights for each output channel (the GEMM's A, unpadded).</param>
    public CudaConvLayer(CudaBackend backend, LayerSpec spec, Conv2dShape shape, float[] weights, float[] bias, Tactic tactic, TensorSlot? residual)
        : base(backend)
    {
        _config = ConvTileConfig.FromTactic(tactic);
        if (_config.TensorCores && !backend.HalfStorage)
            throw new InvalidOperationException("tensor-core tactics need an FP16 engine");
        int kpad = CudaConvTactics.KPad(shape), mpad = CudaConvTactics.MPad(shape), kdim = shape.KPerGroup;
        bool pointwise = _config.TensorCores && shape.IsPointwise && shape.OutH * shape.OutW % 8 == 0;
        _module = ModuleOf(_config, pointwise, backend.HalfStorage);

        // A: [groups][mpad][kpad], zero padded.
        long count = (long)shape.Group * mpad * kpad;
        if (_config.TensorCores)
        {
            var packed = new ushort[count];
            Pack(shape, weights, mpad, kpad, (i, v) => packed[i] = BitConverter.HalfToUInt16Bits((Half)v));
            _weights = backend.Device.Upload<ushort>(packed);
        }
        else
        {
            var packed = new float[count];
            Pack(shape, weights, mpad, kpad, (i, v) => packed[i] = v);
            _weights = backend.Device.Upload<float>(packed);
        }
        _bias = backend.Device.Upload<float>(bias);
        _ktable = backend.Device.Upload<int>(KTable(shape, kpad));
        _input = spec.Input(0);
        _output = spec.Output(0);
        _residual = residual;
        _workspace = spec.WorkspaceOffset;
        var node = spec.Node;
        _params = new ConvParams
        {
            Batch = shape.Batch, C = shape.C, H = shape.H, W = shape.W, M = shape.M, OH = shape.OutH, OW = shape.OutW,
            KDim = kdim, KPad = kpad, MPad = mpad, Groups = shape.Group, MPerGroup = shape.MPerGroup, CPerGroup = shape.CPerGroup,
            StrideH = shape.StrideH, StrideW = shape.StrideW, PadH = shape.PadTop, PadW = shape.PadLeft,
            NPix = checked((int)CudaConvTactics.Pixels(shape)), HasResidual = residual is null ? 0 : 1, Splits = _config.Splits,
            Epilogue = Epilogue(node),
        };
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    /// <summary>The fused node's epilogue: activation (and its order with the residual), then the post affine.</summary>
    public static EpilogueParams Epilogue(Graph.Node node)
    {
        if (node.Domain != FusedOps.Domain) return EpilogueParams.Identity;
        var activation = Activation.FromAttributes(node);
        return new EpilogueParams
        {
            Activation = (int)activation.Kind, Alpha = activation.Alpha, Beta = activation.Beta,
            ActivationFirst = node.GetInt("activation_first", 0) != 0 ? 1 : 0,
            PostScale = node.GetFloat("post_scale", 1f), PostShift = node.GetFloat("post_shift", 0f),
        };
    }

    private static void Pack(Conv2dShape shape, float[] weights, int mpad, int kpad, Action<long, float> set)
    {
        int kdim = shape.KPerGroup;
        for (int g = 0; g < shape.Group; g++)
            for (int m = 0; m < shape.MPerGroup; m++)
            {
                long src = ((long)g * shape.MPerGroup + m) * kdim, dst = ((long)g * mpad + m) * kpad;
                for (int k = 0; k < kdim; k++) set(dst + k, weights[src + k]);
            }
    }

    /// <summary>Per k: (channel offset, window row offset, window column offset, 0); rows past K read nothing.</summary>
    internal static int[] KTable(Conv2dShape shape, int kpad)
    {
        var table = new int[4 * kpad];
        int window = shape.KH * shape.KW;
        for (int k = 0; k < kpad; k++)
        {
            if (k >= shape.KPerGroup)
            {
                table[4 * k + 1] = 1 << 28;
                continue;
            }
            int c = k / window, rs = k % window;
            table[4 * k] = c * shape.H * shape.W;
            table[4 * k + 1] = rs / shape.KW * shape.DilationH;
            table[4 * k + 2] = rs % shape.KW * shape.DilationW;
        }
        return table;
    }

    public override void Execute(in ExecutionState state)
    {
        if (_main == 0)
        {
            _reduce = Backend.Kernels.Function(_module, "conv_splitk_reduce");
            _main = Backend.Kernels.Function(_module, _config.TensorCores ? "conv_mma" : "conv_simt");
        }
        ulong x = Address(state, _input), y = Address(state, _output), w = _weights.Pointer, b = _bias.Pointer, kt = _ktable.Pointer;
        ulong r = _residual is null ? 0 : Address(state, _residual);
        ulong partial = _config.Splits > 1 ? (ulong)state.Arena + (ulong)_workspace : 0;
        var p = _params;
        void** args = stackalloc void*[] { &x, &w, &b, &kt, &r, &y, &partial, &p };
        int bm = _config.TensorCores ? _config.BM : 64, bn = _config.TensorCores ? _config.BN : 64;
        uint gx = (uint)((p.NPix + bn - 1) / bn), gy = (uint)((p.MPerGroup + bm - 1) / bm), gz = (uint)(p.Groups * p.Splits);
        Launch(_main, gx, gy, gz, (uint)_config.ThreadsPerBlock, state, args);
        if (_config.Splits > 1)
        {
            void** reduceArgs = stackalloc void*[] { &partial, &b, &r, &y, &p };
            Launch(_reduce, Blocks((long)p.M * p.NPix), 1, 1, Threads, state, reduceArgs);
        }
    }
}
