using EdgeAgent.Engine.Runtime;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>GlobalAveragePool and GlobalMaxPool: one reduction per channel plane, planes split across threads.</summary>
internal sealed unsafe class GlobalPoolLayer(LayerSpec spec) : ICompiledLayer
{
    private readonly long _input = spec.Input(0).Offset;
    private readonly long _output = spec.Output(0).Offset;
    private readonly int _planes = spec.Input(0).Shape[0] * spec.Input(0).Shape[1];
    private readonly int _size = spec.Input(0).Shape.Skip(2).Aggregate(1, (a, d) => a * d);
    private readonly bool _max = spec.Node.OpType == "GlobalMaxPool";

    private struct Args
    {
        public float* Src, Dst;
        public int Size, PlanesPerJob, Planes;
        public bool Max;
    }

    public void Execute(in ExecutionState state)
    {
        int perJob = Math.Max(1, 65536 / Math.Max(1, _size));
        var args = new Args { Src = (float*)(state.Arena + _input), Dst = (float*)(state.Arena + _output), Size = _size, PlanesPerJob = perJob, Planes = _planes, Max = _max };
        state.Pool.Run((_planes + perJob - 1) / perJob, &Body, (nint)(&args));
    }

    private static void Body(nint state, int job)
    {
        var a = (Args*)state;
        int end = Math.Min(a->Planes, (job + 1) * a->PlanesPerJob);
        for (int p = job * a->PlanesPerJob; p < end; p++)
        {
            var plane = new ReadOnlySpan<float>(a->Src + (long)p * a->Size, a->Size);
            a->Dst[p] = a->Max ? TensorPrimitives.Max(plane) : TensorPrimitives.Sum(plane) / a->Size;
        }
    }
}
