namespace EdgeAgent.Engine.Graph;

/// <summary>The shape of a value in the graph: a list of dimensions, each known, symbolic or unknown.</summary>
public sealed class TensorShape : IEquatable<TensorShape>
{
    public IReadOnlyList<Dim> Dims { get; }

    public TensorShape(IEnumerable<Dim> dims) => Dims = dims.ToArray();

    public static TensorShape Of(params long[] dims) => new(dims.Select(d => Dim.Known(d)));
    public static TensorShape Of(int[] dims) => new(dims.Select(d => Dim.Known(d)));
    public static readonly TensorShape Scalar = new(Array.Empty<Dim>());

    public int Rank => Dims.Count;
    public Dim this[int axis] => Dims[axis];
    public bool IsStatic => Dims.All(d => d.IsKnown);

    /// <summary>The dimensions as int sizes; only valid when <see cref="IsStatic"/>.</summary>
    public int[] ToInts() => Dims.Select(d => d.IsKnown
        ? checked((int)d.Value!.Value)
        : throw new InvalidOperationException($"shape {this} is not static")).ToArray();

    /// <summary>Element count when static, otherwise null.</summary>
    public long? ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
            {
                if (!d.IsKnown) return null;
                n *= d.Value!.Value;
            }
            return n;
        }
    }

    public bool Equals(TensorShape? other) =>
        other is not null && other.Rank == Rank && Dims.Zip(other.Dims).All(p => p.First == p.Second);

    public override bool Equals(object? obj) => Equals(obj as TensorShape);
    public override int GetHashCode() => Dims.Aggregate(Rank, (h, d) => HashCode.Combine(h, d));

    public override string ToString() => Rank == 0 ? "scalar" : string.Join("x", Dims);
}
