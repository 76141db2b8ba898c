using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// An INT8 NCHW convolution (any window, stride, padding, dilation; groups run one after the
/// other) as GEMM: weights packed once per group, the input unrolled into unsigned 16-column
/// tiles per block of output pixels, a 4 × 16 micro-kernel of the chosen <see cref="Int8Isa"/>,
/// and the requantizing epilogue while the block's sums are in cache. Work items are blocks of
/// columns × chunks of rows, each packing its own B block into its thread's workspace slot.
/// </summary>
public sealed unsafe class Int8ConvKernel : IInt8ConvKernel
{
    /// <summary>
    /// Output pixels per work item: as many as keep the packed B block near 128 KiB (it stays in
    /// L2 for every row panel), 64 to 512. Packing pays a fixed cost per k row and block, so
    /// narrow blocks made layers with few output channels (PP-OCR's 96 → 24 3×3 convs) spend
    /// more time packing than multiplying.
    /// </summary>
    public static int BlockColumns(Conv2dShape s)
    {
        int paddedK = (s.KPerGroup + 3) / 4 * 4;
        return Math.Clamp(131072 / paddedK / Int8Panels.NR * Int8Panels.NR, 64, 512);
    }

    private readonly Int8PackedWeights[] _groups;

    /// <param name="weights">[M, C / group, KH, KW] int8.</param>
    /// <param name="weightScales">One per output channel.</param>
    public Int8ConvKernel(Conv2dShape shape, ReadOnlySpan<sbyte> weights, ReadOnlySpan<float> weightScales, float inputScale, Int8Isa isa)
    {
        shape.Validate();
        if (!Int8Isas.IsAccelerated(isa)) throw new PlatformNotSupportedException($"INT8 kernels for {isa} need instructions this CPU lacks");
        long expected = (long)shape.M * shape.KPerGroup;
        if (weights.Length != expected) throw new ArgumentException($"convolution {shape} needs {expected} weights, got {weights.Length}");
        Shape = shape;
        Isa = isa;
        int mg = shape.MPerGroup, kg = shape.KPerGroup;
        _groups = new Int8PackedWeights[shape.Group];
        for (int g = 0; g < shape.Group; g++)
            _groups[g] = new Int8PackedWeights(weights.Slice(g * mg * kg, mg * kg), weightScales.Slice(g * mg, mg), mg, kg, inputScale, isa);
    }

    public Conv2dShape Shape { get; }
    public Int8Isa Isa { get; }

    /// <summary>Bytes of workspace per thread: the packed B block, four staging rows, the int32 tile rows and two float rows.</summary>
    public static long SlotBytes(Conv2dShape s)
    {
        int paddedK = (s.KPerGroup + 3) / 4 * 4, nc = BlockColumns(s);
        long bytes = (long)paddedK * nc + Int8Panels.StagingBytes(nc) + 4L * Int8PackedWeights.MR * nc + 2 * 4L * nc;
        return (bytes + 63) / 64 * 64;
    }

    public static long WorkspaceBytes(Conv2dShape s, int threads) => Math.Max(1, threads) * SlotBytes(s) + 64;

    public long WorkspaceBytes(int threads) => WorkspaceBytes(Shape, threads);

    private struct Args
    {
        public Int8ConvGeometry Shape;
        public sbyte* X;
        public sbyte* Weights;
        public float* RowScale;
        public int* Correction;
        public int K, PaddedK, RowsInGroup, PaddedRows;
        public Int8Epilogue Epilogue;
        public byte* Workspace;
        public long SlotBytes;
        public int ColumnBlocks, RowChunks, PanelsPerChunk, Tasks, Next, BlockColumns, SlotColumns;
        public int Image, Group;
        public delegate*<byte*, sbyte*, int, int*, int, void> Micro;
    }

    /// <summary>Runs the convolution; x is [N, C, H, W] int8, the output goes where the epilogue says. Allocates nothing.</summary>
    public void Run(sbyte* x, in Int8Epilogue epilogue, byte* workspace, WorkerPool? pool)
    {
        var s = Shape;
        int threads = pool?.Threads ?? 1;
        int plane = s.OutH * s.OutW;
        int slotColumns = BlockColumns(s);
        // Blocks no wider than gives every thread two, so small planes still spread.
        int blockColumns = Math.Min(slotColumns, Math.Max(Int8Panels.NR, (plane / (2 * threads) + Int8Panels.NR - 1) / Int8Panels.NR * Int8Panels.NR));
        int columnBlocks = (plane + blockColumns - 1) / blockColumns;
        int panels = _groups[0].PaddedM / Int8PackedWeights.MR;
        // Few pixels (late layers): split rows too, so every thread has work.
        int rowChunks = Math.Min(panels, Math.Max(1, (2 * threads + columnBlocks - 1) / columnBlocks));
        int perChunk = (panels + rowChunks - 1) / rowChunks;
        rowChunks = (panels + perChunk - 1) / perChunk;
        var args = new Args
        {
            Shape = new Int8ConvGeometry(s), Epilogue = epilogue,
            Workspace = (byte*)(((nint)workspace + 63) & ~(nint)63), SlotBytes = SlotBytes(s),
            BlockColumns = blockColumns, SlotColumns = slotColumns,
            ColumnBlocks = columnBlocks, RowChunks = rowChunks, PanelsPerChunk = perChunk, Tasks = columnBlocks * rowChunks,
            Micro = Isa switch
            {
                Int8Isa.Avx2 => &Avx2Int8MicroKernel.Run,
                Int8Isa.AvxVnni => &AvxVnniInt8MicroKernel.Run,
                Int8Isa.ArmDot => &ArmDotInt8MicroKernel.Run,
                _ => &PortableInt8MicroKernel.Run,
            },
        };
        int slots = Math.Min(threads, args.Tasks);
        for (int n = 0; n < s.Batch; n++)
        for (int g = 0; g < s.Group; g++)
        {
            var w = _groups[g];
            args.X = x + ((long)n * s.C + (long)g * s.CPerGroup) * s.H * s.W;
            args.Weights = w.Data;
            args.RowScale = w.RowScalePointer;
            args.Correction = w.CorrectionPointer;
            args.K = w.K;
            args.PaddedK = w.PaddedK;
            args.RowsInGroup = w.M;
            args.PaddedRows = w.PaddedM;
            args.Image = n;
            args.Group = g;
            args.Next = 0;
            if (pool is null || slots <= 1) Body((nint)(&args), 0);
            else pool.Run(slots, &Body, (nint)(&args));
        }
    }

    private static void Body(nint state, int slot)
    {
        var a = (Args*)state;
        ref readonly var s = ref a->Shape;
        byte* ws = a->Workspace + slot * a->SlotBytes;
        int paddedK = a->PaddedK, groups = paddedK / 4;
        int slotColumns = a->SlotColumns, blockColumns = a->BlockColumns;
        byte* packed = ws;
        sbyte* staging = (sbyte*)(packed + (long)paddedK * slotColumns);
        int* tile = (int*)(staging + Int8Panels.StagingBytes(slotColumns));
        float* scratch = (float*)(tile + Int8PackedWeights.MR * slotColumns);
        float* residualScratch = scratch + slotColumns;
        int plane = s.OutH * s.OutW;
        int task;
        while ((task = Interlocked.Increment(ref a->Next) - 1) < a->Tasks)
        {
            int block = task / a->RowChunks, chunk = task % a->RowChunks;
            int n0 = block * blockColumns, nc = Math.Min(blockColumns, plane - n0);
            int tiles = Int8Panels.RoundUp(nc) / Int8Panels.NR;
            Int8Panels.Pack(a->X, s, a->K, paddedK, n0, nc, packed, staging);
            int firstPanel = chunk * a->PanelsPerChunk;
            int lastPanel = Math.Min(a->PaddedRows / Int8PackedWeights.MR, firstPanel + a->PanelsPerChunk);
            for (int p = firstPanel; p < lastPanel; p++)
            {
                sbyte* panel = a->Weights + (long)p * Int8PackedWeights.MR * paddedK;
                for (int t = 0; t < tiles; t++)
                    a->Micro(packed + (long)t * paddedK * Int8Panels.NR, panel, groups, tile + t * Int8Panels.NR, slotColumns);
                int rows = Math.Min(Int8PackedWeights.MR, a->RowsInGroup - p * Int8PackedWeights.MR);
                for (int r = 0; r < rows; r++)
                {
                    int mLocal = p * Int8PackedWeights.MR + r, m = a->Group * s.MPerGroup + mLocal;
                    long index = ((long)a->Image * s.M + m) * plane + n0;
                    a->Epilogue.Row(tile + r * slotColumns, nc, a->Correction[mLocal], a->RowScale[mLocal], m, index, scratch, residualScratch);
                }
            }
        }
    }
}
