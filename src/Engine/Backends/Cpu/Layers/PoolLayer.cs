using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>MaxPool and AveragePool over N x C x H x W float32, one channel plane per work item.</summary>
internal sealed unsafe class PoolLayer : ICompiledLayer
{
    private readonly long _input, _output;
    private readonly int _planes, _ih, _iw, _oh, _ow, _kh, _kw, _sh, _sw, _dh, _dw, _top, _left, _bottom, _right;
    private readonly bool _max, _includePad;

    public static bool CanCompile(LayerSpec spec) => spec.Input(0).Shape.Length == 4 && spec.Node.GetInt("storage_order", 0) == 0;

    public PoolLayer(LayerSpec spec)
    {
        var x = spec.Input(0);
        var y = spec.Output(0);
        var w = WindowAttributes.Parse(spec.Node, 2, null);
        _input = x.Offset;
        _output = y.Offset;
        _planes = x.Shape[0] * x.Shape[1];
        (_ih, _iw, _oh, _ow) = (x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3]);
        (_kh, _kw, _sh, _sw, _dh, _dw) = (w.Kernel[0], w.Kernel[1], w.Strides[0], w.Strides[1], w.Dilations[0], w.Dilations[1]);
        (_top, _bottom) = w.ResolvePads(0, _ih);
        (_left, _right) = w.ResolvePads(1, _iw);
        _max = spec.Node.OpType == "MaxPool";
        _includePad = spec.Node.GetInt("count_include_pad", 0) != 0;
    }

    private struct Args
    {
        public float* Src, Dst;
        public PoolLayer Layer;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (float*)(state.Arena + _output), Layer = this };
#pragma warning disable CS8500 // the stack slot keeps the layer reference alive while Run blocks
        state.Pool.Run(_planes, &Body, (nint)(&args));
    }

    private static void Body(nint state, int plane)
    {
        var a = (Args*)state;
#pragma warning restore CS8500
        var l = a->Layer;
        float* src = a->Src + (long)plane * l._ih * l._iw;
        float* dst = a->Dst + (long)plane * l._oh * l._ow;
        if (l._max && l._sw == 1)
        {
            MaxRows(l, src, dst);
            return;
        }
        for (int y = 0; y < l._oh; y++)
        for (int x = 0; x < l._ow; x++)
        {
            float best = float.NegativeInfinity, sum = 0;
            int count = 0, padded = 0;
            for (int ky = 0; ky < l._kh; ky++)
            {
                int iy = y * l._sh + ky * l._dh - l._top;
                for (int kx = 0; kx < l._kw; kx++)
                {
                    int ix = x * l._sw + kx * l._dw - l._left;
                    // count_include_pad counts explicit padding, not the ceil_mode overhang.
                    if (iy < l._ih + l._bottom && ix < l._iw + l._right) padded++;
                    if ((uint)iy >= (uint)l._ih || (uint)ix >= (uint)l._iw) continue;
                    float v = src[iy * l._iw + ix];
                    if (v > best || float.IsNaN(v)) best = v;
                    sum += v;
                    count++;
                }
            }
            dst[y * l._ow + x] = l._max ? best : count == 0 ? 0 : sum / (l._includePad ? padded : count);
        }
    }

    /// <summary>Max pooling with unit column stride: each window tap is one vectorized max over a row segment.</summary>
    private static void MaxRows(PoolLayer l, float* src, float* dst)
    {
        for (int y = 0; y < l._oh; y++)
        {
            var row = new Span<float>(dst + (long)y * l._ow, l._ow);
            row.Fill(float.NegativeInfinity);
            for (int ky = 0; ky < l._kh; ky++)
            {
                int iy = y * l._sh + ky * l._dh - l._top;
                if ((uint)iy >= (uint)l._ih) continue;
                float* source = src + (long)iy * l._iw;
                for (int kx = 0; kx < l._kw; kx++)
                {
                    int offset = kx * l._dw - l._left;
                    int first = Math.Max(0, -offset), end = Math.Min(l._ow, l._iw - offset);
                    if (end <= first) continue;
                    var segment = row[first..end];
                    System.Numerics.Tensors.TensorPrimitives.Max(segment, new ReadOnlySpan<float>(source + first + offset, end - first), segment);
                }
            }
        }
    }
}
