using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>ReduceMean, ReduceSum and ReduceMax over constant axes (given as input, canonical form).</summary>
internal static class ReduceKernels
{
    public static Tensor[] Reduce(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var axesTensor = KernelArgs.Optional(inputs, 1);
        bool keep = node.GetInt("keepdims", 1) != 0;
        var axes = axesTensor is { Length: > 0 }
            ? axesTensor.ToLongs().Select(a => node.Axis(a, x.Rank)).ToHashSet()
            : node.GetInt("noop_with_empty_axes", 0) != 0 ? [] : Enumerable.Range(0, x.Rank).ToHashSet();
        if (axes.Count == 0) return [x];

        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var outIndex = Strides.BroadcastIndex(x.Shape, keptShape); // input element -> output slot
        int outCount = Strides.Product(keptShape);
        var outShape = keep ? keptShape : x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();
        string op = node.OpType;

        if (x.Data is float[] src)
        {
            var acc = new double[outCount];
            if (op == "ReduceMax") Array.Fill(acc, double.NegativeInfinity);
            for (int i = 0; i < src.Length; i++)
                acc[outIndex[i]] = op == "ReduceMax" ? Math.Max(acc[outIndex[i]], src[i]) : acc[outIndex[i]] + src[i];
            int count = src.Length / Math.Max(1, outCount);
            var dst = acc.Select(v => (float)(op == "ReduceMean" ? v / count : v)).ToArray();
            return [new Tensor(DataType.Float32, outShape, dst)];
        }
        if (x.Data is long[] || x.Data is int[])
        {
            var values = x.ToLongs();
            var acc = new long[outCount];
            if (op == "ReduceMax") Array.Fill(acc, long.MinValue);
            for (int i = 0; i < values.Length; i++)
                acc[outIndex[i]] = op == "ReduceMax" ? Math.Max(acc[outIndex[i]], values[i]) : acc[outIndex[i]] + values[i];
            int count = values.Length / Math.Max(1, outCount);
            if (op == "ReduceMean") for (int i = 0; i < acc.Length; i++) acc[i] /= count;
            return x.Type == DataType.Int64
                ? [new Tensor(DataType.Int64, outShape, acc)]
                : [new Tensor(DataType.Int32, outShape, Array.ConvertAll(acc, v => (int)v))];
        }
        throw node.Fail($"unsupported element type {x.Type.Name()}");
    }
}
