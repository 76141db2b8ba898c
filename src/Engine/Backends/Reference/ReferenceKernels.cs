using EdgeAgent.Engine.Backends.Reference.Kernels;

namespace EdgeAgent.Engine.Backends.Reference;

/// <summary>The reference kernel of every op in <see cref="Graph.Ops.OpSchemas"/>.</summary>
public static class ReferenceKernels
{
    private static readonly Dictionary<string, ReferenceKernel> Table = new(StringComparer.Ordinal)
    {
        ["Relu"] = UnaryKernels.Relu,
        ["LeakyRelu"] = UnaryKernels.LeakyRelu,
        ["Sigmoid"] = UnaryKernels.Sigmoid,
        ["HardSigmoid"] = UnaryKernels.HardSigmoid,
        ["HardSwish"] = UnaryKernels.HardSwish,
        ["Tanh"] = UnaryKernels.Tanh,
        ["Erf"] = UnaryKernels.Erf,
        ["Sqrt"] = UnaryKernels.Sqrt,
        ["Exp"] = UnaryKernels.Exp,
        ["Log"] = UnaryKernels.Log,
        ["Neg"] = UnaryKernels.Neg,
        ["Abs"] = UnaryKernels.Abs,
        ["Reciprocal"] = UnaryKernels.Reciprocal,
        ["Floor"] = UnaryKernels.Floor,
        ["Ceil"] = UnaryKernels.Ceil,
        ["Clip"] = UnaryKernels.Clip,
        ["Not"] = UnaryKernels.Not,
        ["Identity"] = UnaryKernels.PassThrough,
        ["Dropout"] = UnaryKernels.PassThrough,
        ["Add"] = BinaryKernels.Arithmetic,
        ["Sub"] = BinaryKernels.Arithmetic,
        ["Mul"] = BinaryKernels.Arithmetic,
        ["Div"] = BinaryKernels.Arithmetic,
        ["Pow"] = BinaryKernels.Arithmetic,
        ["Equal"] = BinaryKernels.Compare,
        ["Less"] = BinaryKernels.Compare,
        ["Greater"] = BinaryKernels.Compare,
        ["And"] = BinaryKernels.Compare,
        ["Where"] = BinaryKernels.Where,
        ["Cast"] = SourceKernels.Cast,
        ["Shape"] = SourceKernels.Shape,
        ["Constant"] = SourceKernels.Constant,
        ["ConstantOfShape"] = SourceKernels.ConstantOfShape,
        ["MatMul"] = MatMulKernels.MatMul,
        ["Gemm"] = MatMulKernels.Gemm,
        ["Conv"] = ConvKernels.Conv,
        ["ConvTranspose"] = ConvKernels.ConvTranspose,
        ["MaxPool"] = PoolKernels.Pool,
        ["AveragePool"] = PoolKernels.Pool,
        ["GlobalAveragePool"] = PoolKernels.GlobalPool,
        ["GlobalMaxPool"] = PoolKernels.GlobalPool,
        ["BatchNormalization"] = NormalizationKernels.BatchNormalization,
        ["LayerNormalization"] = NormalizationKernels.LayerNormalization,
        ["Softmax"] = NormalizationKernels.Softmax,
        ["ReduceMean"] = ReduceKernels.Reduce,
        ["ReduceSum"] = ReduceKernels.Reduce,
        ["ReduceMax"] = ReduceKernels.Reduce,
        ["Flatten"] = LayoutKernels.Flatten,
        ["Reshape"] = LayoutKernels.Reshape,
        ["Transpose"] = LayoutKernels.Transpose,
        ["Squeeze"] = LayoutKernels.Squeeze,
        ["Unsqueeze"] = LayoutKernels.Unsqueeze,
        ["Concat"] = LayoutKernels.Concat,
        ["Split"] = LayoutKernels.Split,
        ["Slice"] = LayoutKernels.Slice,
        ["Gather"] = LayoutKernels.Gather,
        ["Expand"] = LayoutKernels.Expand,
        ["Pad"] = LayoutKernels.Pad,
        ["Resize"] = ResizeKernel.Resize,
        [Graph.Ops.FusedOps.FusedConv] = FusedKernels.FusedConv,
        [Graph.Ops.FusedOps.FusedGemm] = FusedKernels.FusedGemm,
        [Graph.Ops.FusedOps.FusedMatMul] = FusedKernels.FusedMatMul,
        [Graph.Ops.FusedOps.Silu] = FusedKernels.Silu,
        [Graph.Ops.FusedOps.Gelu] = FusedKernels.Gelu,
    };

    public static IReadOnlyCollection<string> OpTypes => Table.Keys;

    public static bool TryGet(string opType, out ReferenceKernel kernel) => Table.TryGetValue(opType, out kernel!);
}
