using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Reductions over constant axes (given as input, the canonical form): the Reduce* family,
/// ArgMax/ArgMin, and CumSum, the running sum along one axis.
/// </summary>
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

        // With no axes every output slot holds one element: Sum, Mean, Max... return x itself,
        // SumSquare its square, L1 its magnitude, as reducing a single element gives.
        var keptShape = x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var outIndex = Strides.BroadcastIndex(x.Shape, keptShape); // input element -> output slot
        int outCount = Strides.Product(keptShape);
        var outShape = keep ? keptShape : x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();
        int count = x.Length / Math.Max(1, outCount);
        string op = node.OpType;

        if (x.Data is float[] src)
        {
            var acc = Accumulate(node, op, Array.ConvertAll(src, v => (double)v), outIndex, outCount);
            var dst = acc.Select(v => (float)Finish(op, v, count)).ToArray();
            return [new Tensor(DataType.Float32, outShape, dst)];
        }
        if (x.Type.IsInteger() && x.Type != DataType.Bool)
        {
            var values = x.ToLongs();
            long[] result;
            if (op is "ReduceL2" or "ReduceLogSum" or "ReduceLogSumExp")
                result = Accumulate(node, op, Array.ConvertAll(values, v => (double)v), outIndex, outCount).Select(v => (long)Finish(op, v, count)).ToArray();
            else
            {
                var acc = new long[outCount];
                if (op == "ReduceMax") Array.Fill(acc, long.MinValue);
                if (op == "ReduceMin") Array.Fill(acc, long.MaxValue);
                if (op == "ReduceProd") Array.Fill(acc, 1L);
                for (int i = 0; i < values.Length; i++)
                {
                    ref long a = ref acc[outIndex[i]];
                    long v = values[i];
                    a = op switch
                    {
                        "ReduceMax" => Math.Max(a, v),
                        "ReduceMin" => Math.Min(a, v),
                        "ReduceProd" => a * v,
                        "ReduceL1" => a + Math.Abs(v),
                        "ReduceSumSquare" => a + v * v,
                        "ReduceSum" or "ReduceMean" => a + v,
                        _ => throw node.Fail("not a reduction"),
                    };
                }
                if (op == "ReduceMean") for (int i = 0; i < acc.Length; i++) acc[i] /= count;
                result = acc;
            }
            return [SourceKernels.CastTo(new Tensor(DataType.Int64, outShape, result), x.Type)];
        }
        throw node.Fail($"unsupported element type {x.Type.Name()}");
    }

    /// <summary>Folds every element into its output slot in double; LogSumExp subtracts each slot's maximum first.</summary>
    private static double[] Accumulate(Node node, string op, double[] values, int[] outIndex, int outCount)
    {
        var acc = new double[outCount];
        double[]? max = null;
        if (op == "ReduceLogSumExp")
        {
            max = new double[outCount];
            Array.Fill(max, double.NegativeInfinity);
            for (int i = 0; i < values.Length; i++) max[outIndex[i]] = Math.Max(max[outIndex[i]], values[i]);
            for (int o = 0; o < outCount; o++) if (double.IsInfinity(max[o])) max[o] = 0;
        }
        if (op == "ReduceMax") Array.Fill(acc, double.NegativeInfinity);
        if (op == "ReduceMin") Array.Fill(acc, double.PositiveInfinity);
        if (op == "ReduceProd") Array.Fill(acc, 1.0);
        for (int i = 0; i < values.Length; i++)
        {
            ref double a = ref acc[outIndex[i]];
            double v = values[i];
            a = op switch
            {
                "ReduceMax" => Math.Max(a, v),
                "ReduceMin" => Math.Min(a, v),
                "ReduceProd" => a * v,
                "ReduceL1" => a + Math.Abs(v),
                "ReduceL2" or "ReduceSumSquare" => a + v * v,
                "ReduceLogSumExp" => a + Math.Exp(v - max![outIndex[i]]),
                "ReduceSum" or "ReduceMean" or "ReduceLogSum" => a + v,
                _ => throw node.Fail("not a reduction"),
            };
        }
        if (max is not null) for (int o = 0; o < outCount; o++) acc[o] = max[o] + Math.Log(acc[o]);
        return acc;
    }

    private static double Finish(string op, double value, int count) => op switch
    {
        "ReduceMean" => value / count,
        "ReduceL2" => Math.Sqrt(value),
        "ReduceLogSum" => Math.Log(value),
        _ => value,
    };

    /// <summary>ArgMax, ArgMin: the int64 index of the first (or, with select_last_index, last) extreme along axis.</summary>
    public static Tensor[] ArgReduce(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        int axis = node.Axis(node.GetInt("axis", 0), x.Rank);
        bool keep = node.GetInt("keepdims", 1) != 0, last = node.GetInt("select_last_index", 0) != 0;
        bool max = node.OpType == "ArgMax";
        var values = x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (double)v) : Array.ConvertAll(x.ToLongs(), v => (double)v);
        int outer = Strides.Product(x.Shape.AsSpan(0, axis)), size = x.Shape[axis], inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        if (size == 0) throw node.Fail($"cannot take {node.OpType} of an empty axis {axis}");
        var result = new long[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                double bestValue = values[o * size * inner + i];
                for (int j = 1; j < size; j++)
                {
                    double v = values[(o * size + j) * inner + i];
                    bool better = max ? v > bestValue || (last && v == bestValue) : v < bestValue || (last && v == bestValue);
                    if (better) { best = j; bestValue = v; }
                }
                result[o * inner + i] = best;
            }
        var shape = keep ? x.Shape.Select((d, k) => k == axis ? 1 : d).ToArray() : x.Shape.Where((_, k) => k != axis).ToArray();
        return [new Tensor(DataType.Int64, shape, result)];
    }

    /// <summary>CumSum along the axis given as input 1; <c>exclusive</c> leaves out the element itself, <c>reverse</c> runs from the end.</summary>
    public static Tensor[] CumSum(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var axisTensor = node.Required(inputs, 1);
        if (axisTensor.Length != 1) throw node.Fail($"axis must hold one value, not {axisTensor.ShapeText()}");
        int axis = node.Axis(axisTensor.ToLongs()[0], x.Rank);
        bool exclusive = node.GetInt("exclusive", 0) != 0, reverse = node.GetInt("reverse", 0) != 0;
        int outer = Strides.Product(x.Shape.AsSpan(0, axis)), size = x.Shape[axis], inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        if (x.Type.IsFloat())
        {
            var sums = Scan(Array.ConvertAll(x.ToFloats(), v => (double)v), outer, size, inner, exclusive, reverse);
            return [SourceKernels.CastTo(new Tensor(DataType.Float64, x.Shape, sums), x.Type)];
        }
        if (!x.Type.IsInteger()) throw node.Fail($"unsupported element type {x.Type.Name()}");
        return [SourceKernels.CastTo(new Tensor(DataType.Int64, x.Shape, Scan(x.ToLongs(), outer, size, inner, exclusive, reverse)), x.Type)];
    }

    private static T[] Scan<T>(T[] values, int outer, int size, int inner, bool exclusive, bool reverse) where T : System.Numerics.INumber<T>
    {
        var sums = new T[values.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                T running = T.Zero;
                for (int step = 0; step < size; step++)
                {
                    int at = (o * size + (reverse ? size - 1 - step : step)) * inner + i;
                    if (exclusive) { sums[at] = running; running += values[at]; }
                    else { running += values[at]; sums[at] = running; }
                }
            }
        return sums;
    }
}
