using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Builds a tensor by picking elements of another through an index map: the one mechanism
/// behind Transpose, Slice, Expand, Pad and nearest Resize, for every element type.
/// </summary>
internal static class Gathering
{
    /// <summary>result[i] = source[map[i]], or <paramref name="fill"/> where map[i] is negative.</summary>
    public static Tensor Take(Tensor source, int[] shape, int[] map, object? fill = null)
    {
        Array data = source.Data switch
        {
            float[] f => Take(f, map, fill is null ? 0f : Convert.ToSingle(fill)),
            long[] l => Take(l, map, fill is null ? 0L : Convert.ToInt64(fill)),
            int[] i => Take(i, map, fill is null ? 0 : Convert.ToInt32(fill)),
            bool[] b => Take(b, map, fill is not null && Convert.ToBoolean(fill)),
            sbyte[] s => Take(s, map, fill is null ? (sbyte)0 : Convert.ToSByte(fill)),
            byte[] u => Take(u, map, fill is null ? (byte)0 : Convert.ToByte(fill)),
            Half[] h => Take(h, map, fill is null ? Half.Zero : (Half)Convert.ToSingle(fill)),
            double[] d => Take(d, map, fill is null ? 0.0 : Convert.ToDouble(fill)),
            _ => throw new NotSupportedException($"cannot move {source.Type.Name()} elements"),
        };
        return new Tensor(source.Type, shape, data);
    }

    private static T[] Take<T>(T[] source, int[] map, T fill)
    {
        var result = new T[map.Length];
        for (int i = 0; i < map.Length; i++) result[i] = map[i] >= 0 ? source[map[i]] : fill;
        return result;
    }

    /// <summary>
    /// An index map from one source index per axis: output (i0, i1, ...) reads source
    /// (axisMaps[0][i0], axisMaps[1][i1], ...); any negative entry marks a fill element.
    /// </summary>
    public static int[] AxisMap(int[] sourceShape, int[][] axisMaps)
    {
        var outShape = axisMaps.Select(m => m.Length).ToArray();
        var strides = Strides.Of(sourceShape);
        var map = new int[Strides.Product(outShape)];
        if (map.Length == 0) return map;
        var index = new int[outShape.Length];
        int o = 0;
        do
        {
            int p = 0;
            for (int d = 0; d < index.Length && p >= 0; d++)
            {
                int s = axisMaps[d][index[d]];
                p = s < 0 ? -1 : p + s * strides[d];
            }
            map[o++] = p;
        } while (Strides.Next(index, outShape));
        return map;
    }
}
