namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Row-major index arithmetic used by the reference kernels.</summary>
internal static class Strides
{
    public static int[] Of(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>Strides of <paramref name="shape"/> right-aligned against a broadcast output of <paramref name="rank"/> dims; 0 where the input repeats.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> shape, int rank)
    {
        var own = Of(shape);
        var result = new int[rank];
        for (int i = 0; i < shape.Length; i++)
        {
            int axis = rank - shape.Length + i;
            result[axis] = shape[i] == 1 ? 0 : own[i];
        }
        return result;
    }

    public static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }

    /// <summary>Advances a multi-index over <paramref name="shape"/> (last axis fastest); false when done.</summary>
    public static bool Next(int[] index, ReadOnlySpan<int> shape)
    {
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (++index[i] < shape[i]) return true;
            index[i] = 0;
        }
        return false;
    }

    /// <summary>For each element of <paramref name="outShape"/>, the flat index of the element of a broadcast input that feeds it.</summary>
    public static int[] BroadcastIndex(int[] outShape, int[] inShape)
    {
        var map = new int[Product(outShape)];
        if (map.Length == 0) return map;
        var strides = Broadcast(inShape, outShape.Length);
        var index = new int[outShape.Length];
        int o = 0;
        do
        {
            int p = 0;
            for (int d = 0; d < index.Length; d++) p += index[d] * strides[d];
            map[o++] = p;
        } while (Next(index, outShape));
        return map;
    }
}
