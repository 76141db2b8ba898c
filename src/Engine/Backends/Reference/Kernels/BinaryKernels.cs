using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Element-wise ops of two or more inputs with NumPy broadcasting.</summary>
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

    /// <summary>Equal, Less, LessOrEqual, Greater, GreaterOrEqual on numbers; And, Or, Xor, Equal on bools.</summary>
    public static Tensor[] Compare(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        if (a.Type != b.Type) throw TypeMismatch(node, a, b);
        var shape = BroadcastShape(node, a.Shape, b.Shape);
        string op = node.OpType;
        bool[] r = a.Data switch
        {
            bool[] x when Logic(op) is { } f => Broadcast(shape, x, a.Shape, (bool[])b.Data, b.Shape, f),
            float[] x when Order<float>(op) is { } f => Broadcast(shape, x, a.Shape, (float[])b.Data, b.Shape, f),
            _ when a.Type.IsInteger() && Order<long>(op) is { } g => Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, g),
            _ => throw node.Fail($"unsupported element type {a.Type.Name()}"),
        };
        return [new Tensor(DataType.Bool, shape, r)];
    }

    private static Func<bool, bool, bool>? Logic(string op) => op switch
    {
        "And" => (p, q) => p && q,
        "Or" => (p, q) => p || q,
        "Xor" => (p, q) => p != q,
        "Equal" => (p, q) => p == q,
        _ => null,
    };

    private static Func<T, T, bool>? Order<T>(string op) where T : INumber<T> => op switch
    {
        "Equal" => (p, q) => p == q,
        "Less" => (p, q) => p < q,
        "LessOrEqual" => (p, q) => p <= q,
        "Greater" => (p, q) => p > q,
        "GreaterOrEqual" => (p, q) => p >= q,
        _ => null,
    };

    /// <summary>Max, Min, Sum and Mean of one or more inputs, all broadcast together, folded left to right.</summary>
    public static Tensor[] Variadic(Node node, Tensor?[] inputs)
    {
        var parts = inputs.Select((t, i) => t ?? throw node.Fail($"input {i} is required")).ToArray();
        if (parts.Length == 0) throw node.Fail("needs at least one input");
        var first = parts[0];
        foreach (var p in parts)
            if (p.Type != first.Type) throw TypeMismatch(node, first, p);
        string op = node.OpType;
        var shape = first.Shape;
        if (first.Data is float[] floats)
        {
            Func<float, float, float> f = op switch
            {
                "Max" => MathF.Max,
                "Min" => MathF.Min,
                "Sum" or "Mean" => (x, y) => x + y,
                _ => throw node.Fail("not a variadic op"),
            };
            var acc = floats;
            foreach (var p in parts.Skip(1))
            {
                var next = BroadcastShape(node, shape, p.Shape);
                acc = Broadcast(next, acc, shape, p.Floats, p.Shape, f);
                shape = next;
            }
            if (op == "Mean") acc = Array.ConvertAll(acc, v => v / parts.Length);
            return [new Tensor(DataType.Float32, shape, acc)];
        }
        if (first.Type.IsInteger() && op is "Max" or "Min")
        {
            Func<long, long, long> g = op == "Max" ? Math.Max : Math.Min;
            var acc = first.ToLongs();
            foreach (var p in parts.Skip(1))
            {
                var next = BroadcastShape(node, shape, p.Shape);
                acc = Broadcast(next, acc, shape, p.ToLongs(), p.Shape, g);
                shape = next;
            }
            return [SourceKernels.CastTo(new Tensor(DataType.Int64, shape, acc), first.Type)];
        }
        throw node.Fail($"unsupported element type {first.Type.Name()}");
    }

    /// <summary>
    /// Mod: with <c>fmod</c> = 0 the remainder takes the divisor's sign (integers only), with
    /// <c>fmod</c> = 1 the dividend's, as C's fmod.
    /// </summary>
    public static Tensor[] Mod(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        if (a.Type != b.Type) throw TypeMismatch(node, a, b);
        var shape = BroadcastShape(node, a.Shape, b.Shape);
        bool fmod = node.GetInt("fmod", 0) != 0;
        if (a.Data is float[] fa)
        {
            if (!fmod) throw node.Fail("Mod of float tensors needs fmod=1");
            return [new Tensor(DataType.Float32, shape, Broadcast(shape, fa, a.Shape, b.Floats, b.Shape, (x, y) => x % y))];
        }
        if (!a.Type.IsInteger()) throw node.Fail($"unsupported element type {a.Type.Name()}");
        var r = Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, (x, y) =>
        {
            if (y == 0) throw node.Fail("integer modulo by zero");
            long m = x % y;
            return !fmod && m != 0 && (m < 0) != (y < 0) ? m + y : m;
        });
        return [SourceKernels.CastTo(new Tensor(DataType.Int64, shape, r), a.Type)];
    }

    /// <summary>BitwiseAnd, BitwiseOr and BitwiseXor on integer tensors.</summary>
    public static Tensor[] Bitwise(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        if (a.Type != b.Type) throw TypeMismatch(node, a, b);
        if (!a.Type.IsInteger()) throw node.Fail($"unsupported element type {a.Type.Name()}");
        var shape = BroadcastShape(node, a.Shape, b.Shape);
        Func<long, long, long> f = node.OpType switch
        {
            "BitwiseAnd" => (x, y) => x & y,
            "BitwiseOr" => (x, y) => x | y,
            "BitwiseXor" => (x, y) => x ^ y,
            _ => throw node.Fail("not a bitwise op"),
        };
        return [SourceKernels.CastTo(new Tensor(DataType.Int64, shape, Broadcast(shape, a.ToLongs(), a.Shape, b.ToLongs(), b.Shape, f)), a.Type)];
    }

    /// <summary>PRelu: x where x >= 0, slope * x elsewhere; the slope broadcasts to x.</summary>
    public static Tensor[] PRelu(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var slope = node.Required(inputs, 1);
        if (x.Type != slope.Type) throw TypeMismatch(node, x, slope);
        var shape = BroadcastShape(node, x.Shape, slope.Shape);
        if (!shape.AsSpan().SequenceEqual(x.Shape))
            throw node.Fail($"slope {slope.ShapeText()} does not broadcast to the input {x.ShapeText()}");
        if (x.Data is float[] fx)
            return [new Tensor(DataType.Float32, shape, Broadcast(shape, fx, x.Shape, slope.Floats, slope.Shape, (v, k) => v < 0 ? k * v : v))];
        if (!x.Type.IsInteger()) throw node.Fail($"unsupported element type {x.Type.Name()}");
        var r = Broadcast(shape, x.ToLongs(), x.Shape, slope.ToLongs(), slope.Shape, (v, k) => v < 0 ? k * v : v);
        return [SourceKernels.CastTo(new Tensor(DataType.Int64, shape, r), x.Type)];
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
