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
    private static readonly HashSet<string> Views = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"];
    private static readonly HashSet<string> Arithmetic = ["Add", "Sub", "Mul", "Div"];

    public string Name => "cpu";

    public bool Supports(Node node) => OpSchemas.IsSupported(node);

    public bool IsView(Node node) => node.Domain == "" && Views.Contains(node.OpType) && node.Outputs.Count == 1;

    public bool CanRunInPlace(Node node, int input)
    {
        if (input != 0 && !(Arithmetic.Contains(node.OpType) && input == 1)) return false;
        if (node.Outputs[0].Type != DataType.Float32 || node.Inputs[input]?.Type != DataType.Float32) return false;
        if (Activation.FromActivationNode(node) is not null) return true;
        // Element-wise arithmetic writes element i after reading element i of both operands.
        return node.Domain == "" && Arithmetic.Contains(node.OpType) && node.Inputs[input]!.Shape!.Equals(node.Outputs[0].Shape);
    }

    public IReadOnlyList<Tactic> Tactics(LayerSpec layer) => [Tactic.Default("default")];

    public long WorkspaceBytes(LayerSpec layer, Tactic tactic) => 0;

    public ICompiledLayer Compile(LayerSpec layer, Tactic tactic)
    {
        var node = layer.Node;
        bool floats = layer.Outputs.All(o => o.Type == DataType.Float32) && layer.Inputs.All(i => i is null || i.Type == DataType.Float32);
        if (IsView(node)) return new CopyLayer(layer);
        if (floats && Activation.FromActivationNode(node) is { } activation && node.Domain is "" or FusedOps.Domain
            && (node.OpType != "Clip" || activation.Kind is ActivationKind.Clip or ActivationKind.Relu))
            return new ActivationLayer(layer, activation);
        if (floats && node.Domain == "" && Arithmetic.Contains(node.OpType)) return new BinaryLayer(layer);
        if (node.Domain == "" && node.OpType == "Concat") return new ConcatLayer(layer);
        if (floats && node.Domain == "" && node.OpType is "GlobalAveragePool" or "GlobalMaxPool") return new GlobalPoolLayer(layer);
        if (floats && node.Domain == "" && node.OpType is "MaxPool" or "AveragePool" && PoolLayer.CanCompile(layer)) return new PoolLayer(layer);
        if (floats && node.Domain == "" && node.OpType == "Resize" && ResizeNearestLayer.CanCompile(layer)) return new ResizeNearestLayer(layer);
        if (node.Domain == "" && node.OpType == "Split") return new SplitLayer(layer);
        return new FallbackLayer(layer);
    }
}
