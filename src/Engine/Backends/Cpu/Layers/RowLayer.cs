using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Layers;

/// <summary>
/// Base of layers that treat their float32 input as rows of a fixed length and produce one
/// output row per input row (Softmax, LayerNormalization, reductions over the trailing axes):
/// rows are split across threads, each row handled by <see cref="Row"/>.
/// </summary>
internal abstract unsafe class RowLayer(long input, long output, int rows, int rowLength, int outputRowLength) : ICompiledLayer
{
    protected int RowLength { get; } = rowLength;
    protected int OutputRowLength { get; } = outputRowLength;

    private struct Args
    {
        public float* Src, Dst;
        public RowLayer Layer;
        public int RowsPerJob, Rows;
    }

    public void Execute(in ExecutionState state)
    {
        var args = new Args
        {
            Src = (float*)(state.Arena + input), Dst = (float*)(state.Arena + output), Layer = this,
            RowsPerJob = Math.Max(1, 16384 / Math.Max(1, RowLength)), Rows = rows,
        };
#pragma warning disable CS8500 // the stack slot keeps the layer reference alive while Run blocks
        state.Pool.Run((rows + args.RowsPerJob - 1) / args.RowsPerJob, &Body, (nint)(&args));
    }

    private static void Body(nint state, int job)
    {
        var a = (Args*)state;
#pragma warning restore CS8500
        var layer = a->Layer;
        int end = Math.Min(a->Rows, (job + 1) * a->RowsPerJob);
        for (int r = job * a->RowsPerJob; r < end; r++)
            layer.Row(new ReadOnlySpan<float>(a->Src + (long)r * layer.RowLength, layer.RowLength),
                new Span<float>(a->Dst + (long)r * layer.OutputRowLength, layer.OutputRowLength));
    }

    /// <summary>Computes one output row; <paramref name="output"/> may be the same memory as <paramref name="input"/>.</summary>
    protected abstract void Row(ReadOnlySpan<float> input, Span<float> output);
}
