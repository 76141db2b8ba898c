using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Constant, ConstantOfShape, Shape, Size, Range, EyeLike, Cast and CastLike.</summary>
internal static class SourceKernels
{
    public static Tensor[] Constant(Node node, Tensor?[] inputs) =>
        [node.Attribute("value")?.Tensor ?? throw node.Fail("has no value")];

    public static Tensor[] Shape(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        int rank = x.Rank;
        int start = (int)Math.Clamp(node.GetInt("start", 0) is var s && s < 0 ? s + rank : s, 0, rank);
        int end = (int)Math.Clamp(node.GetInt("end", rank) is var e && e < 0 ? e + rank : e, 0, rank);
        var dims = x.Shape.Skip(start).Take(Math.Max(0, end - start)).Select(d => (long)d).ToArray();
        return [Tensor.FromLongs(dims, dims.Length)];
    }

    public static Tensor[] ConstantOfShape(Node node, Tensor?[] inputs)
    {
        var dims = node.Required(inputs, 0).ToLongs();
        if (dims.Any(d => d < 0 || d > int.MaxValue)) throw node.Fail($"invalid shape [{string.Join(",", dims)}]");
        var shape = dims.Select(d => (int)d).ToArray();
        var value = node.Attribute("value")?.Tensor ?? Tensor.Scalar(0f);
        var result = Tensor.Zeros(value.Type, shape);
        var fill = value.Data.GetValue(0);
        for (int i = 0; i < result.Length; i++) result.Data.SetValue(fill, i);
        return [result];
    }

    public static Tensor[] Cast(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var to = DataTypeInfo.FromOnnx((int)node.GetInt("to", 0));
        if (to is DataType.Undefined or DataType.String) throw node.Fail($"cannot cast to type {node.GetInt("to", 0)}");
        return [CastTo(x, to)];
    }

    public static Tensor[] CastLike(Node node, Tensor?[] inputs) =>
        [CastTo(node.Required(inputs, 0), node.Required(inputs, 1).Type)];

    /// <summary>Converts element by element; float to integer truncates toward zero, like a C cast.</summary>
    public static Tensor CastTo(Tensor x, DataType to)
    {
        if (x.Type == to) return x;
        Array data = to switch
        {
            DataType.Float32 => x.ToFloats(),
            DataType.Float64 => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (double)v) : Array.ConvertAll(x.ToLongs(), v => (double)v),
            DataType.Float16 => Array.ConvertAll(x.ToFloats(), v => (Half)v),
            DataType.Bool => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => v != 0) : Array.ConvertAll(x.ToLongs(), v => v != 0),
            DataType.Int64 => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (long)v) : x.ToLongs(),
            DataType.Int32 => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (int)v) : Array.ConvertAll(x.ToLongs(), v => (int)v),
            DataType.Int8 => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (sbyte)(int)v) : Array.ConvertAll(x.ToLongs(), v => (sbyte)v),
            DataType.UInt8 => x.Type.IsFloat() ? Array.ConvertAll(x.ToFloats(), v => (byte)(int)v) : Array.ConvertAll(x.ToLongs(), v => (byte)v),
            _ => throw new NotSupportedException($"cannot cast to {to.Name()}"),
        };
        return new Tensor(to, x.Shape, data);
    }

    public static Tensor[] Range(Node node, Tensor?[] inputs)
    {
        var start = node.Required(inputs, 0);
        var limit = node.Required(inputs, 1);
        var delta = node.Required(inputs, 2);
        long n = Graph.Ops.SourceShapes.RangeLength(node, start, limit, delta);
        if (n > Tensor.MaxElements) throw node.Fail($"{n} elements is too many");
        if (start.Type.IsFloat())
        {
            float s = start.ToFloats()[0], d = delta.ToFloats()[0];
            var f = new float[n];
            for (int i = 0; i < n; i++) f[i] = s + i * d;
            return [CastTo(Tensor.FromFloats(f, (int)n), start.Type)];
        }
        long si = start.ToLongs()[0], di = delta.ToLongs()[0];
        var l = new long[n];
        for (int i = 0; i < n; i++) l[i] = si + i * di;
        return [CastTo(Tensor.FromLongs(l, (int)n), start.Type)];
    }

    /// <summary>EyeLike: ones on the k-th diagonal (above the main one for k > 0), zeros elsewhere.</summary>
    public static Tensor[] EyeLike(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank != 2) throw node.Fail($"needs a 2-D input, got {x.ShapeText()}");
        var type = Graph.Ops.SourceShapes.EyeLikeType(node, x.Type);
        long k = node.GetInt("k", 0);
        int cols = x.Shape[1];
        var map = new int[x.Length];
        for (int i = 0; i < map.Length; i++) map[i] = i % cols - i / cols == k ? 0 : -1;
        return [Gathering.Take(CastTo(Tensor.Scalar(1f), type), x.Shape, map)];
    }

    public static Tensor[] Size(Node node, Tensor?[] inputs) =>
        [new Tensor(DataType.Int64, [], new long[] { node.Required(inputs, 0).Length })];
}
