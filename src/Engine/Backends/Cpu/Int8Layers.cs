using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cpu.Layers;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu;

/// <summary>
/// The CPU backend's INT8 layers in one place: QConv on the direct depthwise kernel or the INT8 GEMM (one tactic, the best
/// <see cref="Int8Isa"/> this CPU has: families differ in weight precision, so timing them
/// against each other would let a measurement change the numbers) and QuantizeLinear.
/// </summary>
internal static class Int8Layers
{
    public static bool IsQConv(LayerSpec layer) => layer.Node.Domain == FusedOps.Domain && layer.Node.OpType == QuantizedOps.QConv;

    public const string DepthwiseTactic = "int8_depthwise";

    public static IReadOnlyList<Tactic>? Tactics(LayerSpec layer) =>
        !IsQConv(layer) || !QuantizedConvLayer.CanCompile(layer) ? null
        : [Tactic.Default(Shape(layer).IsDepthwise ? DepthwiseTactic : Int8Isas.TacticName(Int8Isas.Best))];

    public static long? WorkspaceBytes(LayerSpec layer, int maxThreads)
    {
        if (!IsQConv(layer) || !QuantizedConvLayer.CanCompile(layer)) return null;
        var shape = Shape(layer);
        return shape.IsDepthwise ? Int8DepthwiseKernel.WorkspaceBytes(shape, maxThreads) : Int8ConvKernel.WorkspaceBytes(shape, maxThreads);
    }

    public static ICompiledLayer? Compile(LayerSpec layer, Tactic tactic, int maxThreads)
    {
        if (IsQConv(layer) && QuantizedConvLayer.CanCompile(layer))
            return new QuantizedConvLayer(layer, Shape(layer), Int8Isas.FromTacticName(tactic.Name) ?? Int8Isas.Best, maxThreads);
        if (layer.Node.Domain == "" && layer.Node.OpType == "QuantizeLinear" && QuantizeLayer.CanCompile(layer)) return new QuantizeLayer(layer);
        return null;
    }

    private static Conv2dShape Shape(LayerSpec layer)
    {
        var x = layer.Input(QuantizedOps.X).Shape;
        var w = layer.Input(QuantizedOps.W).Shape;
        return Conv2dShape.From(x, w, WindowAttributes.Parse(layer.Node, 2, w[2..]), (int)layer.Node.GetInt("group", 1));
    }
}
