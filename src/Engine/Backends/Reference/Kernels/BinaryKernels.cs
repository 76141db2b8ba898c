using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Two- and three-input element-wise ops with NumPy broadcasting.</summary>
internal static class BinaryKernels
{
    public static int[] BroadcastShape(Node node, params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int size = 1;
            foreach (var s in shapes)
            {
                int k = i - (rank - s.Length);
                if (k < 0 || s[k] == 1) continue;
                if (size != 1 && size != s[k])
                    throw node.Fail($"shapes {string.Join(" and ", shapes.Select(x => Tensor.ShapeText(x)))} cannot broadcast");
                size = s[k];
            }
            // A zero-sized dimension broadcasts against 1 only.
            result[i] = shapes.Any(s => i - (rank - s.Length) is var k && k >= 0 && s[k] == 0) ? 0 : size;
        }
        return result;
    }

    /// <summary>Applies f over the broadcast of a and b, walking the output one innermost row at a time.</summary>
    public static TOut[] Broadcast<TA, TB, TOut>(int[] outShape, TA[] a, int[] aShape, TB[] b, int[] bShape, Func<TA, TB, TOut> f)
    {
        var result = new TOut[Strides.Product(outShape)];
        if (result.Length == 0) return result;
        int rank = outShape.Length;
        if (rank == 0) { result[0] = f(a[0], b[0]); return result; }
        var sa = Strides.Broadcast(aShape, rank);
        var sb = Strides.Broadcast(bShape, rank);
        int inner = outShape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
        var index = new int[rank];
        int o = 0;
        do
        {
            int pa = 0, pb = 0;
            for (int d = 0; d < rank - 1; d++) { pa += index[d] * sa[d]; pb += index[d] * sb[d]; }
            for (int j = 0; j < inner; j++, pa += ia, pb += ib) result[o++] = f(a[pa], b[pb]);
            index[rank - 1] = inner - 1;
        } while (Strides.Next(index, outShape));
        return result;
    }

    public static Tensor[] Arithmetic(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        var shape = BroadcastShape(node, a.Shape, b.Shape);
        string op = node.OpType;
        if (a.Data is float[] fa)
        {
            var fb = b.Data as float[] ?? (op == "Pow" ? b.ToFloats() : throw TypeMismatch(node, a, b));
            if (op != "Pow" && a.Shape.AsSpan().SequenceEqual(b.Shape)) return [new Tensor(DataType.Float32, shape, SameShape(op, fa, fb))];
            Func<float, float, float> f = op switch
            {
                "Add" => (x, y) => x + y,
                "Sub" => (x, y) => x - y,
                "Mul" => (x, y) => x * y,
                "Div" => (x, y) => x / y,
                "Pow" => Pow,
                _ => throw node.Fail("not an arithmetic op"),
            };
            return [new Tensor(DataType.Float32, shape, Broadcast(shape, fa, a.Shape, fb, b.Shape, f))];
        }
        if (a.Data is long[] || a.Data is int[])
        {
            if (b.Type != a.Type && op != "Pow") throw TypeMismatch(node, a, b);
            Func<long, long, long> g = op switch
            {
                "Add" => (x, y) => x + y,
                "Sub" => (x, y) => x - y,
                "Mul" => (x, y) => x * y,
                "Div" => (x, y) => y == 0 ? throw node.Fail("integer division by zero") : x / y,
                "Pow" => (x, y) => (long)Math.Pow(x, y),
                _ => throw node.Fail("not an arithmetic op"),
            };
            var r = Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, g);
            return a.Type == DataType.Int64
                ? [new Tensor(DataType.Int64, shape, r)]
                : [new Tensor(DataType.Int32, shape, Array.ConvertAll(r, v => (int)v))];
        }
        throw node.Fail($"unsupported element type {a.Type.Name()}");
    }

    /// <summary>Pow with ONNX's integer-exponent behaviour on negative bases.</summary>
    private static float Pow(float x, float y) => y == 2f ? x * x : y == 1f ? x : y == 0.5f ? MathF.Sqrt(x) : MathF.Pow(x, y);

    private static float[] SameShape(string op, float[] a, float[] b)
    {
        var dst = new float[a.Length];
        switch (op)
        {
            case "Add": TensorPrimitives.Add(a, b, dst); break;
            case "Sub": TensorPrimitives.Subtract(a, b, dst); break;
            case "Mul": TensorPrimitives.Multiply(a, b, dst); break;
            default: TensorPrimitives.Divide(a, b, dst); break;
        }
        return dst;
    }

    public static Tensor[] Compare(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        if (a.Type != b.Type) throw TypeMismatch(node, a, b);
        var shape = BroadcastShape(node, a.Shape, b.Shape);
        bool[] r = (node.OpType, a.Data) switch
        {
            ("And", bool[] x) => Broadcast(shape, x, a.Shape, (bool[])b.Data, b.Shape, (p, q) => p && q),
            ("Equal", bool[] x) => Broadcast(shape, x, a.Shape, (bool[])b.Data, b.Shape, (p, q) => p == q),
            ("Equal", float[] x) => Broadcast(shape, x, a.Shape, (float[])b.Data, b.Shape, (p, q) => p == q),
            ("Less", float[] x) => Broadcast(shape, x, a.Shape, (float[])b.Data, b.Shape, (p, q) => p < q),
            ("Greater", float[] x) => Broadcast(shape, x, a.Shape, (float[])b.Data, b.Shape, (p, q) => p > q),
            ("Equal", _) when a.Type.IsInteger() => Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, (p, q) => p == q),
            ("Less", _) when a.Type.IsInteger() => Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, (p, q) => p < q),
            ("Greater", _) when a.Type.IsInteger() => Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, (p, q) => p > q),
            _ => throw node.Fail($"unsupported element type {a.Type.Name()}"),
        };
        return [new Tensor(DataType.Bool, shape, r)];
    }

    public static Tensor[] Where(Node node, Tensor?[] inputs)
    {
        var c = node.Required(inputs, 0);
        var x = node.Required(inputs, 1);
        var y = node.Required(inputs, 2);
        if (c.Data is not bool[] cond) throw node.Fail("the condition must be bool");
        if (x.Type != y.Type) throw TypeMismatch(node, x, y);
        var shape = BroadcastShape(node, c.Shape, x.Shape, y.Shape);
        var ci = Strides.BroadcastIndex(shape, c.Shape);
        var xi = Strides.BroadcastIndex(shape, x.Shape);
        var yi = Strides.BroadcastIndex(shape, y.Shape);
        var result = Array.CreateInstance(Tensor.ElementClrType(x.Type), xi.Length);
        for (int i = 0; i < xi.Length; i++)
        {
            if (cond[ci[i]]) Array.Copy(x.Data, xi[i], result, i, 1);
            else Array.Copy(y.Data, yi[i], result, i, 1);
        }
        return [new Tensor(x.Type, shape, result)];
    }

    private static ShapeInferenceException TypeMismatch(Node node, Tensor a, Tensor b) =>
        node.Fail($"input types differ: {a.Type.Name()} and {b.Type.Name()}");
}
