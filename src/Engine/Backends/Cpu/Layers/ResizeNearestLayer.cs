using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Nearest-neighbour Resize of N x C x H x W float32 that keeps N and C: the source row and
/// column of every output pixel are computed once at compile time (by the reference kernel's
/// coordinate rules), and an output row that repeats the previous one is copied whole.
/// </summary>
internal sealed unsafe class ResizeNearestLayer : ICompiledLayer
{
    private readonly long _input, _output;
    private readonly int _planes, _inH, _inW, _outH, _outW;
    private readonly int[] _rows, _cols;

    public static bool CanCompile(LayerSpec spec)
    {
        var x = spec.Input(0);
        var y = spec.Output(0);
        return x.Shape.Length == 4 && x.Shape[0] == y.Shape[0] && x.Shape[1] == y.Shape[1] &&
               spec.Node.GetString("mode", "nearest") == "nearest" &&
               spec.OptionalInput(2) is not { Constant: null } && spec.OptionalInput(3) is not { Constant: null };
    }

    public ResizeNearestLayer(LayerSpec spec)
    {
        var x = spec.Input(0);
        var y = spec.Output(0);
        var (outShape, scales) = ResizeKernel.ResolveOutput(spec.Node, x.Shape, spec.OptionalInput(2)?.Constant, spec.OptionalInput(3)?.Constant);
        var maps = ResizeKernel.NearestMaps(spec.Node, x.Shape, outShape, scales);
        _rows = maps[2];
        _cols = maps[3];
        _input = x.Offset;
        _output = y.Offset;
        _planes = x.Shape[0] * x.Shape[1];
        (_inH, _inW, _outH, _outW) = (x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3]);
    }

    private struct Args
    {
        public float* Src, Dst;
        public ResizeNearestLayer Layer;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (float*)(state.Arena + _output), Layer = this };
#pragma warning disable CS8500 // the stack slot keeps the layer reference alive while Run blocks
        state.Pool.Run(_planes, &Body, (nint)(&args));
#pragma warning restore CS8500
    }

    private static void Body(nint state, int plane)
    {
#pragma warning disable CS8500
        var a = (Args*)state;
#pragma warning restore CS8500
        var l = a->Layer;
        float* src = a->Src + (long)plane * l._inH * l._inW;
        float* dst = a->Dst + (long)plane * l._outH * l._outW;
        var cols = l._cols;
        for (int y = 0; y < l._outH; y++)
        {
            float* row = dst + (long)y * l._outW;
            if (y > 0 && l._rows[y] == l._rows[y - 1])
            {
                Buffer.MemoryCopy(row - l._outW, row, l._outW * 4L, l._outW * 4L);
                continue;
            }
            float* source = src + (long)l._rows[y] * l._inW;
            for (int x = 0; x < l._outW; x++) row[x] = source[cols[x]];
        }
    }
}
