using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cpu.Layers;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Cpu;

/// <summary>
/// The CPU backend: SIMD kernels (AVX-512/AVX2 on x86-64, AdvSimd on ARM64, a portable path
/// elsewhere) on float32 NCHW activations, threads from the context's worker pool. Ops without a
/// fast kernel run through their reference kernel (<see cref="FallbackLayer"/>).
/// </summary>
public sealed class CpuBackend : IBackend
{
    private static readonly HashSet<string> Arithmetic = ["Add", "Sub", "Mul", "Div"];

    public string Name => "cpu";

    public DeviceFingerprint Fingerprint { get; } = DeviceFingerprint.ForCpu();

    public bool Supports(Node node) => OpSchemas.IsSupported(node);

    public bool IsView(Node node) => ElementwiseRules.IsView(node);

    public bool CanRunInPlace(Node node, int input) => ElementwiseRules.CanRunInPlace(node, input);

    /// <param name="maxThreads">Most threads a context of an engine built here may use (workspaces are sized for it).</param>
    public CpuBackend(int maxThreads = 0) => MaxThreads = maxThreads > 0 ? maxThreads : Environment.ProcessorCount;

    public int MaxThreads { get; }

    public IReadOnlyList<Tactic> Tactics(LayerSpec layer)
    {
        if (Int8Layers.Tactics(layer) is { } int8) return int8;
        if (ConvShapes(layer) is var (conv, transposed) && (conv is not null || transposed is not null))
        {
            if (conv is not null) return CpuConvTactic.Enumerate(conv).Select(ToTactic).ToList();
            var columns = ConvTranspose2dKernel.Enumerate(transposed!).Select(ToTactic);
            // A 2x2 stride-2 upsampling needs no column buffer: the direct kernel goes first.
            return ConvTranspose2x2Kernel.Supports(transposed!) ? columns.Prepend(Tactic.Default(ConvTranspose2x2Kernel.TacticName)).ToList() : columns.ToList();
        }
        if (BatchedMatMulLayer.ShapeOf(layer) is (_, var bm, var bk, var bn)) return BatchedMatMulLayer.Tactics(bm, bk, bn).Select(ToTactic).ToList();
        if (GemmShape(layer) is { } gemm)
        {
            // The matrix-vector kernel first: it reads each weight once, where the GEMM pads its single column to a tile.
            return new[] { Tactic.Default(GemvLayer.TacticName(KernelIsas.Best)) }.Concat(GemmLayer.Tactics(gemm.K, gemm.N, GemmRows(layer, gemm.K)).Select(ToTactic)).ToList();
        }
        return [Tactic.Default("default")];
    }

    public long WorkspaceBytes(LayerSpec layer, Tactic tactic)
    {
        if (Int8Layers.WorkspaceBytes(layer, MaxThreads) is { } int8) return int8;
        var (conv, transposed) = ConvShapes(layer);
        if (conv is not null) return 4 * Conv2dKernel.WorkspaceElements(conv, FindConv(conv, tactic), MaxThreads);
        if (transposed is not null && tactic.Name == ConvTranspose2x2Kernel.TacticName) return 0;
        if (transposed is not null) return 4 * ConvTranspose2dKernel.WorkspaceElements(transposed, FindGemm(ConvTranspose2dKernel.Enumerate(transposed), tactic), MaxThreads);
        if (BatchedMatMulLayer.ShapeOf(layer) is (_, var m, var k, var n)) return BatchedMatMulLayer.WorkspaceBytes(m, k, n, FindGemm(BatchedMatMulLayer.Tactics(m, k, n), tactic), MaxThreads);
        if (GemvLayer.IsaOf(tactic) is not null) return 0;
        if (GemmShape(layer) is { } gemm)
            return 4 * GemmLayer.WorkspaceElements(FindGemm(GemmLayer.Tactics(gemm.K, gemm.N, GemmRows(layer, gemm.K)), tactic), gemm.K, gemm.N,
                GemmRows(layer, gemm.K), MaxThreads);
        return 0;
    }

    private static Tactic ToTactic(CpuConvTactic t) => t.Gemm is { } g ? ToTactic(g) with { Name = t.Name } : Tactic.Default(t.Name);

    private static Tactic ToTactic(GemmTactic g) =>
        new(g.Name, new Dictionary<string, int> { ["KC"] = g.KC, ["MC"] = g.MC, ["NC"] = g.NC, ["MR"] = g.MR, ["NR"] = g.NR });

    private static CpuConvTactic FindConv(Conv2dShape shape, Tactic tactic) =>
        CpuConvTactic.Enumerate(shape).FirstOrDefault(t => t.Name == tactic.Name)
        ?? throw new EngineUserException($"tactic '{tactic.Name}' is not available for convolution {shape} on this machine");

    private static GemmTactic FindGemm(IReadOnlyList<GemmTactic> offered, Tactic tactic) =>
        offered.FirstOrDefault(t => t.Name == tactic.Name)
        ?? throw new EngineUserException($"GEMM tactic '{tactic.Name}' is not available on this machine");

    /// <summary>The kernel shape of a FusedConv the CPU kernels handle (1-D or 2-D, float, constant weights).</summary>
    private static (Conv2dShape? Conv, ConvTranspose2dShape? Transposed) ConvShapes(LayerSpec layer)
    {
        var node = layer.Node;
        if (node.Domain != FusedOps.Domain || node.OpType != FusedOps.FusedConv) return (null, null);
        var x = layer.Input(0);
        if (layer.Input(1).Constant is not { Type: DataType.Float32 } w || x.Type != DataType.Float32 || x.Shape.Length is not (3 or 4)) return (null, null);
        if (layer.OptionalInput(2) is { Constant: null }) return (null, null);
        var window = WindowAttributes.Parse(node, x.Shape.Length - 2, w.Shape[2..]);
        int group = (int)node.GetInt("group", 1);
        return node.GetInt("transposed", 0) != 0
            ? (null, ConvTranspose2dShape.From(x.Shape, w.Shape, window, group, node.GetInts("output_padding"), node.GetInts("output_shape")))
            : (Conv2dShape.From(x.Shape, w.Shape, window, group), null);
    }

    private static int GemmRows(LayerSpec layer, int k) => (int)(layer.Input(0).ElementCount / k);

    /// <summary>Gemm/MatMul by constant 2-D weights with a per-column bias, as GemmLayer runs them.</summary>
    private static (int K, int N, bool TransB, float[]? Bias)? GemmShape(LayerSpec layer)
    {
        var node = layer.Node;
        bool gemm = node.OpType is "Gemm" or FusedOps.FusedGemm, matmul = node.OpType is "MatMul" or FusedOps.FusedMatMul;
        if (!(gemm || matmul) || node.Domain is not ("" or FusedOps.Domain)) return null;
        if (layer.Input(1).Constant is not { Type: DataType.Float32, Rank: 2 } w || layer.Input(0).Type != DataType.Float32) return null;
        bool transB = gemm && node.GetInt("transB", 0) != 0;
        if (gemm && (node.GetInt("transA", 0) != 0 || node.GetFloat("alpha", 1f) != 1f)) return null;
        int k = transB ? w.Shape[1] : w.Shape[0], n = transB ? w.Shape[0] : w.Shape[1];
        if (layer.Input(0).Shape[^1] != k) return null;
        float[]? bias = null;
        if (layer.OptionalInput(2) is { } b)
        {
            if (b.Constant is not { Type: DataType.Float32 } c || !(c.Length == n || c.Length == 1)) return null;
            float beta = gemm ? node.GetFloat("beta", 1f) : 1f;
            bias = GC.AllocateArray<float>(n, pinned: true);
            for (int i = 0; i < n; i++) bias[i] = beta * c.Floats[c.Length == 1 ? 0 : i];
        }
        return (k, n, transB, bias);
    }

    public ICompiledLayer Compile(LayerSpec layer, Tactic tactic)
    {
        var node = layer.Node;
        bool floats = layer.Outputs.All(o => o.Type == DataType.Float32) && layer.Inputs.All(i => i is null || i.Type == DataType.Float32);
        if (IsView(node)) return new CopyLayer(layer);
        if (Int8Layers.Compile(layer, tactic, MaxThreads) is { } int8) return int8;
        var (conv, transposed) = ConvShapes(layer);
        if (conv is not null) return new ConvLayer(layer, new Conv2dKernel(conv, layer.Input(1).Constant!.Floats, FindConv(conv, tactic)), null, MaxThreads);
        if (transposed is not null && tactic.Name == ConvTranspose2x2Kernel.TacticName)
            return new ConvLayer(layer, null, null, MaxThreads, new ConvTranspose2x2Kernel(transposed, layer.Input(1).Constant!.Floats));
        if (transposed is not null)
            return new ConvLayer(layer, null, new ConvTranspose2dKernel(transposed, layer.Input(1).Constant!.Floats,
                FindGemm(ConvTranspose2dKernel.Enumerate(transposed), tactic)), MaxThreads);
        if (BatchedMatMulLayer.ShapeOf(layer) is (_, var bm, var bk, var bn))
            return new BatchedMatMulLayer(layer, FindGemm(BatchedMatMulLayer.Tactics(bm, bk, bn), tactic), MaxThreads);
        if (GemmShape(layer) is { } g)
            return GemvLayer.IsaOf(tactic) is { } gemvIsa
                ? new GemvLayer(layer, layer.Input(1).Constant!.Floats, g.TransB, g.Bias, gemvIsa)
                : new GemmLayer(layer, layer.Input(1).Constant!.Floats, g.TransB, g.Bias,
                FindGemm(GemmLayer.Tactics(g.K, g.N, GemmRows(layer, g.K)), tactic), MaxThreads);
        if (floats && Activation.FromActivationNode(node) is { } activation && node.Domain is "" or FusedOps.Domain
            && (node.OpType != "Clip" || activation.Kind is ActivationKind.Clip or ActivationKind.Relu))
            return new ActivationLayer(layer, activation);
        if (floats && node.Domain == "" && Arithmetic.Contains(node.OpType)) return new BinaryLayer(layer);
        if (node.Domain == "" && node.OpType == "Concat") return new ConcatLayer(layer);
        if (floats && node.Domain == "" && node.OpType is "GlobalAveragePool" or "GlobalMaxPool") return new GlobalPoolLayer(layer);
        if (floats && node.Domain == "" && node.OpType is "MaxPool" or "AveragePool" && PoolLayer.CanCompile(layer)) return new PoolLayer(layer);
        if (floats && node.Domain == "" && node.OpType == "Resize" && ResizeNearestLayer.CanCompile(layer)) return new ResizeNearestLayer(layer);
        if (node.Domain == "" && node.OpType == "Split") return new SplitLayer(layer);
        if (node.Domain == "" && node.OpType == "Gather" && GatherLayer.CanCompile(layer)) return new GatherLayer(layer);
        if (node.Domain == "" && node.OpType == "Transpose" && TransposeLayer.CanCompile(layer)) return new TransposeLayer(layer);
        if (floats && node.Domain == "" && node.OpType == "Softmax" && SoftmaxLayer.TryCreate(layer) is { } softmax) return softmax;
        if (floats && node.Domain == "" && node.OpType == "LayerNormalization" && LayerNormLayer.TryCreate(layer) is { } norm) return norm;
        // Reductions read their axes from an int64 constant, so only data and result must be float.
        if (layer.Input(0).Type == DataType.Float32 && layer.Output(0).Type == DataType.Float32 && node.Domain == ""
            && node.OpType is "ReduceMean" or "ReduceSum" or "ReduceMax" && ReduceLayer.TryCreate(layer) is { } reduce) return reduce;
        return new FallbackLayer(layer);
    }
}
