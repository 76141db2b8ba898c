using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// INT8 weights [M, K] packed once for the INT8 micro-kernels: panels of <see cref="MR"/> rows,
/// each k-group of 4 stored as MR × 4 bytes, K padded to a multiple of 4 and M to MR with zeros.
/// Alongside: the per-row factor that turns an int32 sum into float (x_scale · w_scale[m]) and
/// the 128·Σw[m] correction that unsigned-activation kernels subtract. Pinned and 64-byte aligned, so kernels
/// read it through a pointer for as long as this object lives.
/// </summary>
public sealed unsafe class Int8PackedWeights
{
    public const int MR = 4;

    /// <param name="weights">[M, K] row-major int8, symmetric.</param>
    /// <param name="weightScales">One scale per row.</param>
    public Int8PackedWeights(ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> weightScales, int m, int k, float inputScale, Int8Isa isa)
    {
        if (weights.Length != (long)m * k) throw new ArgumentException($"{m}x{k} weights expected, got {weights.Length}");
        if (weightScales.Length != m) throw new ArgumentException($"{m} weight scales expected, got {weightScales.Length}");
        M = m;
        K = k;
        Isa = isa;
        PaddedK = (k + 3) / 4 * 4;
        PaddedM = (m + MR - 1) / MR * MR;
        var (effective, scales) = ForIsa(weights, weightScales, k, isa);
        _storage = GC.AllocateArray<sbyte>(checked(PaddedM * PaddedK + 64), pinned: true);
        fixed (sbyte* p = _storage) _data = p + ((64 - ((nint)p & 63)) & 63);
        RowScale = GC.AllocateArray<float>(PaddedM, pinned: true);
        Correction = GC.AllocateArray<int>(PaddedM, pinned: true);
        fixed (float* rs = RowScale) RowScalePointer = rs;
        fixed (int* cp = Correction) CorrectionPointer = cp;
        for (int row = 0; row < m; row++)
        {
            int panel = row / MR, r = row % MR, sum = 0;
            for (int kk = 0; kk < k; kk++)
            {
                sbyte w = effective[row * k + kk];
                sum += w;
                _data[(long)panel * MR * PaddedK + kk / 4 * MR * 4 + r * 4 + kk % 4] = w;
            }
            RowScale[row] = inputScale * scales[row];
            Correction[row] = Int8Isas.UnsignedActivations(isa) ? 128 * sum : 0;
        }
    }

    private readonly sbyte[] _storage;
    private readonly sbyte* _data;

    public int M { get; }
    public int K { get; }
    public int PaddedK { get; }
    public int PaddedM { get; }
    public Int8Isa Isa { get; }
    public sbyte* Data => _data;
    /// <summary>x_scale · w_scale[m] with the scale of the weights this family actually multiplies.</summary>
    public float[] RowScale { get; }
    public int[] Correction { get; }
    internal float* RowScalePointer { get; }
    internal int* CorrectionPointer { get; }

    /// <summary>
    /// The weights and scales the family multiplies: the given ones, or for AVX2 the 7-bit
    /// version (w / 2 rounded half to even, scale · 2) that its vpmaddubsw cannot saturate with.
    /// </summary>
    public static (sbyte[] Weights, float[] Scales) ForIsa(ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> scales, int k, Int8Isa isa)
    {
        var w = weights.ToArray();
        var s = scales.ToArray();
        if (Int8Isas.WeightLimit(isa) >= QuantizedOps.QMax) return (w, s);
        int limit = Int8Isas.WeightLimit(isa);
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)Math.Clamp((int)MathF.Round(w[i] / 2f, MidpointRounding.ToEven), -limit, limit);
        for (int i = 0; i < s.Length; i++) s[i] *= 2f;
        return (w, s);
    }
}
