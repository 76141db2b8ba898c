using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>One implicit-GEMM tile configuration: block tile, warp grid, and how many ways K is split.</summary>
public sealed record ConvTileConfig(bool TensorCores, int BM, int BN, int WarpsM, int WarpsN, int Splits)
{
    public int ThreadsPerBlock => TensorCores ? WarpsM * WarpsN * 32 : 256;

    public string Name => TensorCores ? $"mma_{BM}x{BN}_w{WarpsM}x{WarpsN}_k{Splits}" : $"simt_64x64_k{Splits}";

    public Tactic ToTactic() => new(Name, new Dictionary<string, int>
    {
        ["BM"] = BM, ["BN"] = BN, ["WM"] = WarpsM, ["WN"] = WarpsN, ["SPLIT"] = Splits, ["MMA"] = TensorCores ? 1 : 0,
    });

    public static ConvTileConfig FromTactic(Tactic tactic) => new(tactic.Get("MMA", 0) != 0, tactic.Get("BM", 64), tactic.Get("BN", 64),
        tactic.Get("WM", 2), tactic.Get("WN", 2), Math.Max(1, tactic.Get("SPLIT", 1)));
}

/// <summary>
/// The tactics offered for a convolution (or a Gemm seen as a 1x1 convolution) on the GPU,
/// ordered by a simple occupancy model so the first one is a sane default when nothing is
/// timed; the autotuner measures the leading ones and keeps the fastest.
/// </summary>
public static class CudaConvTactics
{
    /// <summary>Weights are padded to this many rows per group (the largest BM), so A tiles need no bounds checks.</summary>
    public const int RowPadding = 128;
    public const int KTile = 32;

    private static readonly (int BM, int BN, int WM, int WN, double Efficiency)[] MmaTiles =
    [
        (128, 128, 2, 4, 1.0), (128, 64, 2, 2, 0.85), (64, 128, 2, 2, 0.85), (64, 64, 2, 2, 0.7), (64, 32, 2, 1, 0.55), (32, 32, 1, 1, 0.4),
    ];

    private static readonly int[] SplitChoices = [1, 2, 4, 8, 16];

    /// <summary>Every tensor-core block tile offered (split-K ways aside: they change the launch, not the kernel).</summary>
    public static IReadOnlyList<ConvTileConfig> TensorCoreTiles { get; } =
        MmaTiles.Select(t => new ConvTileConfig(true, t.BM, t.BN, t.WM, t.WN, 1)).ToList();

    /// <summary>The CUDA-core tile (the one tactic on GPUs without FP16 tensor cores and in FP32 engines).</summary>
    public static ConvTileConfig SimtTile { get; } = new(false, 64, 64, 0, 0, 1);

    public static int KPad(Conv2dShape shape) => (shape.KPerGroup + KTile - 1) / KTile * KTile;
    public static int MPad(Conv2dShape shape) => (shape.MPerGroup + RowPadding - 1) / RowPadding * RowPadding;
    public static long Pixels(Conv2dShape shape) => (long)shape.Batch * shape.OutH * shape.OutW;

    public static IReadOnlyList<ConvTileConfig> Enumerate(Conv2dShape shape, bool tensorCores, int multiprocessors)
    {
        int ktiles = KPad(shape) / KTile;
        long pixels = Pixels(shape);
        var scored = new List<(ConvTileConfig Config, double Cost)>();
        foreach (int splits in SplitChoices)
        {
            if (splits > 1 && ktiles < 2 * splits) continue;
            if (tensorCores)
                foreach (var (bm, bn, wm, wn, efficiency) in MmaTiles)
                    scored.Add((new ConvTileConfig(true, bm, bn, wm, wn, splits), Cost(shape, bm, bn, splits, efficiency, ktiles, pixels, multiprocessors)));
            scored.Add((new ConvTileConfig(false, 64, 64, 0, 0, splits), Cost(shape, 64, 64, splits, tensorCores ? 0.1 : 0.5, ktiles, pixels, multiprocessors)));
        }
        return scored.OrderBy(s => s.Cost).Select(s => s.Config).ToList();
    }

    /// <summary>Waves of blocks times the work of one block, plus the split-K reduction's traffic.</summary>
    private static double Cost(Conv2dShape shape, int bm, int bn, int splits, double efficiency, int ktiles, long pixels, int multiprocessors)
    {
        long blocks = (pixels + bn - 1) / bn * ((shape.MPerGroup + bm - 1) / bm) * shape.Group * splits;
        double waves = Math.Ceiling(blocks / (2.0 * Math.Max(1, multiprocessors)));
        double perBlock = (double)bm * bn * Math.Ceiling((double)ktiles / splits) * KTile / efficiency;
        double reduce = splits > 1 ? 40.0 * shape.M * pixels * splits / Math.Max(1, multiprocessors) : 0;
        return waves * perBlock + reduce;
    }

    public static long WorkspaceBytes(Conv2dShape shape, ConvTileConfig config) =>
        config.Splits > 1 ? 4L * config.Splits * shape.M * Pixels(shape) : 0;
}
