using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Ops that read or write elements through index tensors: GatherElements, GatherND,
/// ScatterElements, ScatterND, OneHot and TopK. Negative indices count from the end of their axis.
/// </summary>
internal static class IndexKernels
{
    public static Tensor[] GatherElements(Node node, Tensor?[] inputs)
    {
        var data = node.Required(inputs, 0);
        var indices = node.Required(inputs, 1);
        int axis = node.Axis(node.GetInt("axis", 0), data.Rank);
        return [Gathering.Take(data, indices.Shape, ElementTargets(node, data, indices, axis))];
    }

    public static Tensor[] ScatterElements(Node node, Tensor?[] inputs)
    {
        var data = node.Required(inputs, 0);
        var indices = node.Required(inputs, 1);
        var updates = node.Required(inputs, 2);
        if (!indices.Shape.AsSpan().SequenceEqual(updates.Shape))
            throw node.Fail($"updates {updates.ShapeText()} must have the shape of indices {indices.ShapeText()}");
        int axis = node.Axis(node.GetInt("axis", 0), data.Rank);
        return [Scatter(node, data, updates, ElementTargets(node, data, indices, axis))];
    }

    /// <summary>For each element of indices, the flat data index it names: its own position with the axis coordinate replaced.</summary>
    private static int[] ElementTargets(Node node, Tensor data, Tensor indicesTensor, int axis)
    {
        if (indicesTensor.Rank != data.Rank)
            throw node.Fail($"data {data.ShapeText()} and indices {indicesTensor.ShapeText()} must have the same rank");
        var indices = indicesTensor.ToLongs();
        var strides = Strides.Of(data.Shape);
        var targets = new int[indices.Length];
        if (targets.Length == 0) return targets;
        var position = new int[data.Rank];
        int o = 0;
        do
        {
            int p = 0;
            for (int d = 0; d < position.Length; d++)
            {
                int coordinate = d == axis ? Normalize(node, indices[o], data.Shape[d], d) : position[d];
                if (coordinate >= data.Shape[d]) throw node.Fail($"indices {indicesTensor.ShapeText()} exceed data {data.ShapeText()} on axis {d}");
                p += coordinate * strides[d];
            }
            targets[o++] = p;
        } while (Strides.Next(position, indicesTensor.Shape));
        return targets;
    }

    public static Tensor[] GatherND(Node node, Tensor?[] inputs)
    {
        var data = node.Required(inputs, 0);
        var indices = node.Required(inputs, 1);
        int batch = (int)node.GetInt("batch_dims", 0);
        var (sources, shape) = TupleTargets(node, data, indices, batch);
        return [Gathering.Take(data, shape, sources)];
    }

    public static Tensor[] ScatterND(Node node, Tensor?[] inputs)
    {
        var data = node.Required(inputs, 0);
        var indices = node.Required(inputs, 1);
        var updates = node.Required(inputs, 2);
        var (targets, shape) = TupleTargets(node, data, indices, 0);
        if (!shape.AsSpan().SequenceEqual(updates.Shape))
            throw node.Fail($"updates {updates.ShapeText()} must have shape {Tensor.ShapeText(shape)}");
        return [Scatter(node, data, updates, targets)];
    }

    /// <summary>
    /// GatherND/ScatterND addressing: each k-tuple in the last axis of indices names a slice of
    /// data after the first <paramref name="batch"/> axes, within the batch it shares with data.
    /// Returns the flat data index of every element of the result (or update) and its shape.
    /// </summary>
    private static (int[] Map, int[] Shape) TupleTargets(Node node, Tensor data, Tensor indicesTensor, int batch)
    {
        var iShape = indicesTensor.Shape;
        if (iShape.Length < 1) throw node.Fail("indices must have rank 1 or more");
        if (batch < 0 || batch >= Math.Min(data.Rank, iShape.Length)) throw node.Fail($"batch_dims {batch} is out of range");
        if (!iShape.AsSpan(0, batch).SequenceEqual(data.Shape.AsSpan(0, batch)))
            throw node.Fail($"data {data.ShapeText()} and indices {indicesTensor.ShapeText()} differ in their batch axes");
        int k = iShape[^1];
        if (k < 1 || batch + k > data.Rank) throw node.Fail($"index tuples of {k} elements do not fit data {data.ShapeText()}");
        var indices = indicesTensor.ToLongs();
        int batches = Strides.Product(data.Shape.AsSpan(0, batch));
        int tuples = Strides.Product(iShape.AsSpan(batch, iShape.Length - 1 - batch));
        int slice = Strides.Product(data.Shape.AsSpan(batch + k));
        int batchStride = Strides.Product(data.Shape.AsSpan(batch));
        var strides = Strides.Of(data.Shape.AsSpan(batch));
        var map = new int[batches * tuples * slice];
        for (int b = 0; b < batches; b++)
            for (int t = 0; t < tuples; t++)
            {
                int tuple = b * tuples + t, p = b * batchStride;
                for (int j = 0; j < k; j++) p += Normalize(node, indices[tuple * k + j], data.Shape[batch + j], batch + j) * strides[j];
                for (int s = 0; s < slice; s++) map[tuple * slice + s] = p + s;
            }
        return (map, iShape[..^1].Concat(data.Shape[(batch + k)..]).ToArray());
    }

    /// <summary>A copy of data with updates[i] written to (or combined with, by <c>reduction</c>) element targets[i], in order.</summary>
    private static Tensor Scatter(Node node, Tensor data, Tensor updates, int[] targets)
    {
        if (updates.Type != data.Type) throw node.Fail($"updates are {updates.Type.Name()}, data {data.Type.Name()}");
        string reduction = node.GetString("reduction", "none");
        if (reduction == "none")
        {
            var result = (Array)data.Data.Clone();
            for (int i = 0; i < targets.Length; i++) Array.Copy(updates.Data, i, result, targets[i], 1);
            return new Tensor(data.Type, data.Shape, result);
        }
        if (data.Data is float[] f)
        {
            var result = (float[])f.Clone();
            var u = updates.Floats;
            Func<float, float, float> op = Combine<float>(node, reduction);
            for (int i = 0; i < targets.Length; i++) result[targets[i]] = op(result[targets[i]], u[i]);
            return new Tensor(DataType.Float32, data.Shape, result);
        }
        if (data.Type.IsInteger())
        {
            var result = (long[])data.ToLongs().Clone();
            var u = updates.ToLongs();
            Func<long, long, long> op = Combine<long>(node, reduction);
            for (int i = 0; i < targets.Length; i++) result[targets[i]] = op(result[targets[i]], u[i]);
            return SourceKernels.CastTo(new Tensor(DataType.Int64, data.Shape, result), data.Type);
        }
        throw node.Fail($"reduction '{reduction}' is not supported on {data.Type.Name()}");
    }

    private static Func<T, T, T> Combine<T>(Node node, string reduction) where T : System.Numerics.INumber<T> => reduction switch
    {
        "add" => (a, b) => a + b,
        "mul" => (a, b) => a * b,
        "max" => T.Max,
        "min" => T.Min,
        _ => throw node.Fail($"reduction must be none, add, mul, max or min, not '{reduction}'"),
    };

    private static int Normalize(Node node, long index, int size, int axis)
    {
        long i = index < 0 ? index + size : index;
        return i >= 0 && i < size ? (int)i : throw node.Fail($"index {index} is out of range for axis {axis} of size {size}");
    }

    /// <summary>OneHot: values[1] where the new axis' position equals the index (negative ones count from depth), values[0] elsewhere.</summary>
    public static Tensor[] OneHot(Node node, Tensor?[] inputs)
    {
        var indicesTensor = node.Required(inputs, 0);
        var depthTensor = node.Required(inputs, 1);
        var values = node.Required(inputs, 2);
        if (values.Length != 2) throw node.Fail($"values must hold two elements (off, on), not {values.ShapeText()}");
        if (depthTensor.Length != 1) throw node.Fail($"depth must hold one value, not {depthTensor.ShapeText()}");
        long depth = depthTensor.Type.IsFloat() ? (long)depthTensor.ToFloats()[0] : depthTensor.ToLongs()[0];
        if (depth < 1 || depth > int.MaxValue) throw node.Fail($"depth must be positive, not {depth}");
        var indices = indicesTensor.Type.IsFloat() ? Array.ConvertAll(indicesTensor.ToFloats(), v => (long)v) : indicesTensor.ToLongs();
        int axis = node.Axis(node.GetInt("axis", -1), indicesTensor.Rank + 1);
        var shape = indicesTensor.Shape.ToList();
        shape.Insert(axis, (int)depth);
        int inner = Strides.Product(indicesTensor.Shape.AsSpan(axis)), outer = indices.Length / Math.Max(1, inner);
        var map = new int[indices.Length * depth];
        for (int o = 0; o < outer; o++)
            for (int d = 0; d < depth; d++)
                for (int i = 0; i < inner; i++)
                {
                    long index = indices[o * inner + i];
                    if (index < 0) index += depth;
                    map[(o * depth + d) * inner + i] = index == d ? 1 : 0;
                }
        return [Gathering.Take(values, shape.ToArray(), map)];
    }

    /// <summary>
    /// TopK: the K largest (or smallest) elements along axis, sorted, with their int64 indices;
    /// equal elements keep their order (the lower index first).
    /// </summary>
    public static Tensor[] TopK(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var kTensor = node.Required(inputs, 1);
        if (kTensor.Length != 1) throw node.Fail($"K must hold one value, not {kTensor.ShapeText()}");
        int axis = node.Axis(node.GetInt("axis", -1), x.Rank);
        long k = kTensor.ToLongs()[0];
        int size = x.Shape[axis];
        if (k < 0 || k > size) throw node.Fail($"K {k} is out of range for axis {axis} of size {size}");
        bool largest = node.GetInt("largest", 1) != 0;
        var keys = x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (double)v) : Array.ConvertAll(x.ToLongs(), v => (double)v);
        int outer = Strides.Product(x.Shape.AsSpan(0, axis)), inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        var map = new int[outer * k * inner];
        var picked = new long[map.Length];
        var order = new int[size];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int start = o * size * inner + i;
                for (int j = 0; j < size; j++) order[j] = j;
                Array.Sort(order, (p, q) =>
                {
                    int c = keys[start + p * inner].CompareTo(keys[start + q * inner]);
                    return c != 0 ? (largest ? -c : c) : p.CompareTo(q);
                });
                for (int j = 0; j < k; j++)
                {
                    int at = (int)((o * k + j) * inner + i);
                    map[at] = start + order[j] * inner;
                    picked[at] = order[j];
                }
            }
        return [Gathering.Take(x, shape, map), new Tensor(DataType.Int64, shape, picked)];
    }
}
