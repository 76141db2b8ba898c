using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>A standalone activation (Relu, Sigmoid, HardSwish, ...) over float32, split across threads in chunks.</summary>
internal sealed unsafe class ActivationLayer(LayerSpec spec, Activation activation) : ICompiledLayer
{
    private const int Chunk = 16384;
    private readonly long _input = spec.Input(0).Offset;
    private readonly long _output = spec.Output(0).Offset;
    private readonly int _length = checked((int)spec.Output(0).ElementCount);

    private struct Args
    {
        public float* Src;
        public float* Dst;
        public int Length;
        public Activation Activation;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (float*)(state.Arena + _output), Length = _length, Activation = activation };
        state.Pool.Run((_length + Chunk - 1) / Chunk, &Body, (nint)(&args));
    }

    private static void Body(nint state, int i)
    {
        var a = (Args*)state;
        int start = i * Chunk, count = Math.Min(Chunk, a->Length - start);
        var dst = new Span<float>(a->Dst + start, count);
        if (a->Src != a->Dst) new ReadOnlySpan<float>(a->Src + start, count).CopyTo(dst);
        ActivationMath.Apply(a->Activation, dst);
    }
}
