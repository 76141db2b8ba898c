using System.Runtime.InteropServices;

namespace EdgeAgent.Engine.Tensors;

/// <summary>A tensor's elements viewed as raw little-endian bytes (no copy), for moving data in and out of arenas.</summary>
public static class TensorBytes
{
    public static Span<byte> AsBytes(Tensor tensor) => tensor.Data switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        int[] n => MemoryMarshal.AsBytes(n.AsSpan()),
        bool[] b => MemoryMarshal.AsBytes(b.AsSpan()),
        sbyte[] s => MemoryMarshal.AsBytes(s.AsSpan()),
        byte[] u => u,
        Half[] h => MemoryMarshal.AsBytes(h.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        _ => throw new NotSupportedException($"tensors of {tensor.Type.Name()}"),
    };
}
