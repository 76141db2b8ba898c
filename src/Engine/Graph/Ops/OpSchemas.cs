namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>
/// Every op the engine supports, defined once: its shape rule lives here, its reference kernel
/// in Backends/Reference. An op missing from this table is unsupported everywhere.
/// </summary>
public static class OpSchemas
{
    private static readonly Dictionary<string, OpSchema> Table = Build();

    public static IReadOnlyCollection<string> Names => Table.Keys;

    public static bool IsSupported(Node node) =>
        node.Domain == FusedOps.Domain ? FusedOps.Names.Contains(node.OpType)
        : node.Domain == "" && (!FusedOps.Names.Contains(node.OpType) || FusedOps.AlsoOnnx.Contains(node.OpType)) && Table.ContainsKey(node.OpType);

    public static OpSchema Get(string opType) =>
        Table.TryGetValue(opType, out var schema) ? schema : throw new InvalidOperationException($"no schema for {opType}");

    /// <summary>Every unsupported op type with its first node, in graph order; empty when all are supported.</summary>
    public static IReadOnlyList<(string OpType, string FirstNode)> FindUnsupported(ModelGraph graph) =>
        graph.Nodes.Where(n => !IsSupported(n))
            .GroupBy(n => n.Domain == "" ? n.OpType : $"{n.Domain}.{n.OpType}")
            .Select(g => (g.Key, g.First().DisplayName))
            .ToList();

    public static void ThrowIfUnsupported(ModelGraph graph)
    {
        var unsupported = FindUnsupported(graph);
        if (unsupported.Count > 0) throw new UnsupportedOpsException(unsupported);
    }

    private static Dictionary<string, OpSchema> Build()
    {
        var table = new Dictionary<string, OpSchema>(StringComparer.Ordinal);
        void Add(Action<ShapeContext> rule, params string[] ops)
        {
            foreach (var op in ops) table.Add(op, new OpSchema(op, rule));
        }

        Add(ElementwiseShapes.SameAsInput,
            "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Sqrt", "Exp", "Log",
            "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Identity", "Clip", "Softmax", "Not",
            "BatchNormalization", "LayerNormalization",
            "Sign", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
            "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Shrink", "ThresholdedRelu");
        Add(ElementwiseShapes.Gelu, "Gelu"); // ONNX's (opset 20) and the optimizer's, which is its erf form
        Add(ElementwiseShapes.FloatTest, "IsNaN", "IsInf");
        Add(ElementwiseShapes.PRelu, "PRelu");
        Add(ElementwiseShapes.Variadic, "Max", "Min", "Sum", "Mean");
        Add(ElementwiseShapes.Mod, "Mod");
        Add(ElementwiseShapes.Bitwise, "BitwiseAnd", "BitwiseOr", "BitwiseXor");
        Add(ElementwiseShapes.BitwiseNot, "BitwiseNot");
        Add(ElementwiseShapes.CastLike, "CastLike");
        Add(ElementwiseShapes.Dropout, "Dropout");
        Add(ElementwiseShapes.Arithmetic, "Add", "Sub", "Mul", "Div", "Pow");
        Add(ElementwiseShapes.Comparison, "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor");
        Add(ElementwiseShapes.Where, "Where");
        Add(ElementwiseShapes.Cast, "Cast");
        Add(QuantizeShapes.Quantize, "QuantizeLinear");
        Add(QuantizeShapes.Dequantize, "DequantizeLinear");
        Add(LinearShapes.MatMul, "MatMul");
        Add(LinearShapes.Gemm, "Gemm");
        Add(LinearShapes.Conv, "Conv");
        Add(LinearShapes.ConvTranspose, "ConvTranspose");
        Add(LinearShapes.Pool, "MaxPool", "AveragePool");
        Add(LinearShapes.GlobalPool, "GlobalAveragePool", "GlobalMaxPool");
        Add(LinearShapes.Reduce, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
            "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
        Add(LinearShapes.ArgReduce, "ArgMax", "ArgMin");
        Add(ElementwiseShapes.AlongAxis, "LogSoftmax", "Hardmax", "LpNormalization");
        Add(ElementwiseShapes.CumSum, "CumSum");
        Add(LayoutShapes.Flatten, "Flatten");
        Add(LayoutShapes.Reshape, "Reshape");
        Add(LayoutShapes.Transpose, "Transpose");
        Add(LayoutShapes.Squeeze, "Squeeze");
        Add(LayoutShapes.Unsqueeze, "Unsqueeze");
        Add(LayoutShapes.Concat, "Concat");
        Add(LayoutShapes.Split, "Split");
        Add(LayoutShapes.Slice, "Slice");
        Add(LayoutShapes.Gather, "Gather");
        Add(LayoutShapes.Expand, "Expand");
        Add(LayoutShapes.Pad, "Pad");
        Add(LayoutShapes.Resize, "Resize");
        Add(LayoutShapes.Tile, "Tile");
        Add(LayoutShapes.DepthToSpace, "DepthToSpace");
        Add(LayoutShapes.SpaceToDepth, "SpaceToDepth");
        Add(LayoutShapes.Trilu, "Trilu");
        Add(LayoutShapes.ReverseSequence, "ReverseSequence");
        Add(LayoutShapes.CenterCropPad, "CenterCropPad");
        Add(IndexShapes.GatherElements, "GatherElements");
        Add(IndexShapes.GatherND, "GatherND");
        Add(IndexShapes.ScatterElements, "ScatterElements");
        Add(IndexShapes.ScatterND, "ScatterND");
        Add(IndexShapes.OneHot, "OneHot");
        Add(IndexShapes.TopK, "TopK");
        Add(NormalizationShapes.InstanceNormalization, "InstanceNormalization");
        Add(NormalizationShapes.GroupNormalization, "GroupNormalization");
        Add(NormalizationShapes.MeanVarianceNormalization, "MeanVarianceNormalization");
        Add(NormalizationShapes.LRN, "LRN");
        Add(SourceShapes.Shape, "Shape");
        Add(SourceShapes.Constant, "Constant");
        Add(SourceShapes.ConstantOfShape, "ConstantOfShape");
        Add(SourceShapes.Range, "Range");
        Add(SourceShapes.EyeLike, "EyeLike");
        Add(SourceShapes.Size, "Size");
        Add(FusedOps.FusedConvShape, FusedOps.FusedConv);
        Add(FusedOps.FusedGemmShape, FusedOps.FusedGemm);
        Add(FusedOps.FusedMatMulShape, FusedOps.FusedMatMul);
        Add(ElementwiseShapes.SameAsInput, FusedOps.Silu);
        Add(QuantizedOps.QConvShape, QuantizedOps.QConv);
        return table;
    }
}
