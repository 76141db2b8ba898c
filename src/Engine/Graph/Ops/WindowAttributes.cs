namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>
/// The sliding-window attributes shared by Conv, ConvTranspose, MaxPool and AveragePool
/// (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode), with the output-size
/// arithmetic both shape inference and every kernel use, so they cannot disagree.
/// </summary>
public sealed record WindowAttributes(
    int[] Kernel, int[] Strides, int[] Dilations, int[] PadsBegin, int[] PadsEnd, string AutoPad, bool CeilMode)
{
    public int SpatialRank => Kernel.Length;

    /// <param name="kernel">The kernel's spatial size when it comes from the weights (Conv); null for pools.</param>
    public static WindowAttributes Parse(Node node, int spatialRank, int[]? kernel)
    {
        int[] Ints(string name, int fill) =>
            node.GetInts(name) is { Length: > 0 } v ? v.Select(x => checked((int)x)).ToArray() : Enumerable.Repeat(fill, spatialRank).ToArray();
        var k = node.GetInts("kernel_shape") is { Length: > 0 } ks ? ks.Select(x => checked((int)x)).ToArray()
            : kernel ?? throw new ShapeInferenceException($"{node.Describe()}: kernel_shape is required");
        var strides = Ints("strides", 1);
        var dilations = Ints("dilations", 1);
        var pads = node.GetInts("pads") is { Length: > 0 } p ? p.Select(x => checked((int)x)).ToArray() : new int[2 * spatialRank];
        if (k.Length != spatialRank || strides.Length != spatialRank || dilations.Length != spatialRank || pads.Length != 2 * spatialRank)
            throw new ShapeInferenceException($"{node.Describe()}: window attributes do not match {spatialRank} spatial dimensions");
        if (k.Any(x => x <= 0) || strides.Any(x => x <= 0) || dilations.Any(x => x <= 0) || pads.Any(x => x < 0))
            throw new ShapeInferenceException($"{node.Describe()}: kernel, strides and dilations must be positive and pads non-negative");
        return new WindowAttributes(k, strides, dilations, pads[..spatialRank], pads[spatialRank..],
            node.GetString("auto_pad", "NOTSET"), node.GetInt("ceil_mode", 0) != 0);
    }

    public int EffectiveKernel(int axis) => (Kernel[axis] - 1) * Dilations[axis] + 1;

    /// <summary>Pads actually applied for a concrete input size (resolves SAME_UPPER/SAME_LOWER).</summary>
    public (int Begin, int End) ResolvePads(int axis, int inputSize)
    {
        if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            int output = (inputSize + Strides[axis] - 1) / Strides[axis];
            int total = Math.Max(0, (output - 1) * Strides[axis] + EffectiveKernel(axis) - inputSize);
            int small = total / 2;
            return AutoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
        }
        if (AutoPad == "VALID") return (0, 0);
        return (PadsBegin[axis], PadsEnd[axis]);
    }

    /// <summary>Output size of a convolution or pooling window along one axis.</summary>
    public int OutputSize(int axis, int inputSize)
    {
        var (begin, end) = ResolvePads(axis, inputSize);
        long span = (long)inputSize + begin + end - EffectiveKernel(axis);
        if (span < 0) return 0;
        long size = CeilMode ? (span + Strides[axis] - 1) / Strides[axis] + 1 : span / Strides[axis] + 1;
        // With ceil_mode, a last window that would start inside the end padding is dropped.
        if (CeilMode && (size - 1) * Strides[axis] >= inputSize + begin) size--;
        return (int)size;
    }

    public Dim OutputDim(int axis, Dim input)
    {
        if (input.IsKnown) return OutputSize(axis, checked((int)input.Value!.Value));
        if (!input.IsSymbolic) return Dim.Unknown;
        if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
            return (input + (Strides[axis] - 1)) / Strides[axis];
        int begin = AutoPad == "VALID" ? 0 : PadsBegin[axis], end = AutoPad == "VALID" ? 0 : PadsEnd[axis];
        var span = input + (begin + end - EffectiveKernel(axis));
        return CeilMode ? (span + (Strides[axis] - 1)) / Strides[axis] + 1 : span / Strides[axis] + 1;
    }
}
