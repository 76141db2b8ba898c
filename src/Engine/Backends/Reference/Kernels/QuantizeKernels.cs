using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// QuantizeLinear: q = saturate(round_half_to_even(x / scale) + zero_point); DequantizeLinear:
/// x = (q - zero_point) * scale. Scale and zero point are per tensor, or per slice along
/// <c>axis</c> (default 1) when 1-D.
/// </summary>
internal static class QuantizeKernels
{
    public static Tensor[] Quantize(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var scale = node.FloatsOf(node.Required(inputs, 1));
        var zeroPoint = KernelArgs.Optional(inputs, 2);
        var type = zeroPoint?.Type ?? DataType.UInt8;
        var zp = zeroPoint?.ToLongs() ?? [0];
        var (axisSize, inner) = Broadcast(node, x, scale.Length);
        var src = node.FloatsOf(x);
        var result = Tensor.Zeros(type, x.Shape);
        int lo = type == DataType.Int8 ? -128 : 0, hi = type == DataType.Int8 ? 127 : 255;
        for (int i = 0; i < src.Length; i++)
        {
            int c = axisSize == 1 ? 0 : i / inner % axisSize;
            double q = Math.Round(src[i] / (double)scale[c], MidpointRounding.ToEven) + zp[zp.Length == 1 ? 0 : c];
            int v = (int)Math.Clamp(double.IsNaN(q) ? 0 : q, lo, hi);
            if (result.Data is sbyte[] s) s[i] = (sbyte)v;
            else ((byte[])result.Data)[i] = (byte)v;
        }
        return [result];
    }

    public static Tensor[] Dequantize(Node node, Tensor?[] inputs)
    {
        var q = node.Required(inputs, 0);
        var scale = node.FloatsOf(node.Required(inputs, 1));
        var zp = KernelArgs.Optional(inputs, 2)?.ToLongs() ?? [0];
        var (axisSize, inner) = Broadcast(node, q, scale.Length);
        var values = q.ToLongs();
        var dst = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int c = axisSize == 1 ? 0 : i / inner % axisSize;
            dst[i] = (float)((values[i] - zp[zp.Length == 1 ? 0 : c]) * scale[c]);
        }
        return [new Tensor(DataType.Float32, q.Shape, dst)];
    }

    /// <summary>Per-tensor (1, 1) or the size of the quantization axis and the elements after it.</summary>
    private static (int AxisSize, int Inner) Broadcast(Node node, Tensor x, int scales)
    {
        if (scales == 1) return (1, 1);
        int axis = node.Axis(node.GetInt("axis", 1), x.Rank);
        if (x.Shape[axis] != scales) throw node.Fail($"{scales} scales for axis {axis} of size {x.Shape[axis]}");
        return (scales, Strides.Product(x.Shape.AsSpan(axis + 1)));
    }
}
