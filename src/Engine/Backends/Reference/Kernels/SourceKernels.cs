using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Constant, ConstantOfShape, Shape and Cast.</summary>
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
}
