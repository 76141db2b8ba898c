namespace EdgeAgent.Engine.Tensors;

/// <summary>
/// A dense, row-major (C order) tensor held in a managed array of its element type:
/// float[] for Float32, long[] for Int64, int[] for Int32, bool[] for Bool, sbyte[] for Int8,
/// byte[] for UInt8, Half[] for Float16, double[] for Float64.
/// </summary>
public sealed class Tensor
{
    /// <summary>Largest element count a tensor may hold; bigger claims are rejected before allocating.</summary>
    public const long MaxElements = int.MaxValue / 2;

    public DataType Type { get; }
    public int[] Shape { get; }
    public Array Data { get; }

    public Tensor(DataType type, int[] shape, Array data)
    {
        long count = ElementCount(shape);
        if (data.Length != count)
            throw new ArgumentException($"tensor data holds {data.Length} elements but shape {ShapeText(shape)} needs {count}");
        if (ArrayType(type) != data.GetType())
            throw new ArgumentException($"a {type.Name()} tensor cannot hold {data.GetType().Name}");
        Type = type;
        Shape = shape;
        Data = data;
    }

    public int Rank => Shape.Length;
    public int Length => Data.Length;

    public static Tensor Zeros(DataType type, params int[] shape)
    {
        long count = ElementCount(shape);
        return new Tensor(type, shape, Array.CreateInstance(ElementClrType(type), count));
    }

    public static Tensor FromFloats(float[] data, params int[] shape) => new(DataType.Float32, shape, data);
    public static Tensor FromLongs(long[] data, params int[] shape) => new(DataType.Int64, shape, data);
    public static Tensor FromInts(int[] data, params int[] shape) => new(DataType.Int32, shape, data);
    public static Tensor FromBools(bool[] data, params int[] shape) => new(DataType.Bool, shape, data);
    public static Tensor Scalar(float value) => FromFloats([value]);
    public static Tensor Scalar(long value) => FromLongs([value]);

    public float[] Floats => Data as float[] ?? throw TypeMismatch(DataType.Float32);
    public long[] Longs => Data as long[] ?? throw TypeMismatch(DataType.Int64);
    public int[] Ints => Data as int[] ?? throw TypeMismatch(DataType.Int32);
    public bool[] Bools => Data as bool[] ?? throw TypeMismatch(DataType.Bool);

    /// <summary>Reads any integer tensor's elements as long (shape arithmetic, indices, axes).</summary>
    public long[] ToLongs() => Data switch
    {
        long[] l => l,
        int[] i => Array.ConvertAll(i, v => (long)v),
        sbyte[] s => Array.ConvertAll(s, v => (long)v),
        byte[] b => Array.ConvertAll(b, v => (long)v),
        bool[] b => Array.ConvertAll(b, v => v ? 1L : 0L),
        _ => throw new InvalidOperationException($"expected an integer tensor, got {Type.Name()}"),
    };

    /// <summary>Reads any numeric tensor's elements as float.</summary>
    public float[] ToFloats() => Data switch
    {
        float[] f => f,
        double[] d => Array.ConvertAll(d, v => (float)v),
        Half[] h => Array.ConvertAll(h, v => (float)v),
        long[] l => Array.ConvertAll(l, v => (float)v),
        int[] i => Array.ConvertAll(i, v => (float)v),
        sbyte[] s => Array.ConvertAll(s, v => (float)v),
        byte[] b => Array.ConvertAll(b, v => (float)v),
        bool[] b => Array.ConvertAll(b, v => v ? 1f : 0f),
        _ => throw new InvalidOperationException($"cannot read {Type.Name()} as float"),
    };

    public Tensor Reshape(params int[] shape) => new(Type, shape, Data);

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape {ShapeText(shape)}");
            count *= d;
            if (count > MaxElements)
                throw new ArgumentException($"shape {ShapeText(shape)} has more than {MaxElements} elements");
        }
        return count;
    }

    public static string ShapeText(ReadOnlySpan<int> shape) => shape.Length == 0 ? "scalar" : string.Join("x", shape.ToArray());

    public static Type ElementClrType(DataType type) => type switch
    {
        DataType.Float32 => typeof(float),
        DataType.Int64 => typeof(long),
        DataType.Int32 => typeof(int),
        DataType.Bool => typeof(bool),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Float16 => typeof(Half),
        DataType.Float64 => typeof(double),
        _ => throw new NotSupportedException($"tensors of {type.Name()} are not supported"),
    };

    private static Type ArrayType(DataType type) => ElementClrType(type).MakeArrayType();

    private InvalidOperationException TypeMismatch(DataType wanted) =>
        new($"expected a {wanted.Name()} tensor, got {Type.Name()}");

    public override string ToString() => $"{Type.Name()}[{ShapeText(Shape)}]";
}
