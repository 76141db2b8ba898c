using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// One tile configuration of the channels-last INT8 tensor-core convolution (Kernels/qconv_nhwc.cu):
/// block tile BM x BN, warp grid, cp.async pipeline depth, split-K ways, and the bytes each copy
/// of the input moves (16, 8 or 4, the largest that divides the channels per group).
/// </summary>
public sealed record QConvNhwcConfig(int BM, int BN, int WarpsM, int WarpsN, int Stages, int Splits, int Vec)
{
    public const string Prefix = "imma_nhwc";
    /// <summary>Bytes of K per pipeline stage, and the shared-memory row pitch that keeps ldmatrix conflict-free.</summary>
    public const int BK = 64, RowBytes = BK + 16;

    public int ThreadsPerBlock => WarpsM * WarpsN * 32;
    public int WarpTileM => BM / WarpsM;

    /// <summary>Dynamic shared memory: the pipeline's stages, or the epilogue's staging of one warp row, whichever is larger.</summary>
    public int SharedBytes => Math.Max(Stages * (BM + BN) * RowBytes, BN * (WarpTileM + 4) * 4);

    public string Name => $"{Prefix}_{BM}x{BN}_w{WarpsM}x{WarpsN}_s{Stages}_k{Splits}_v{Vec}";

    public Tactic ToTactic() => new(Name, new Dictionary<string, int>
    {
        ["BM"] = BM, ["BN"] = BN, ["WM"] = WarpsM, ["WN"] = WarpsN, ["STAGES"] = Stages, ["SPLIT"] = Splits, ["VEC"] = Vec,
    });

    public static bool IsTactic(Tactic tactic) => tactic.Name.StartsWith(Prefix, StringComparison.Ordinal);

    public static QConvNhwcConfig FromTactic(Tactic tactic) => new(tactic.Get("BM", 64), tactic.Get("BN", 64), tactic.Get("WM", 2),
        tactic.Get("WN", 2), tactic.Get("STAGES", 3), Math.Max(1, tactic.Get("SPLIT", 1)), tactic.Get("VEC", 16));
}

/// <summary>
/// The tactics offered for a channels-last INT8 convolution, ordered by an occupancy model so
/// the first is a sane default; the autotuner times the leading ones.
/// </summary>
public static class QConvNhwcTactics
{
    /// <summary>Shared memory one block may use here: fits every sm_80+ GPU (sm_86/89 allow 99 KiB).</summary>
    public const int MaxSharedBytes = 99 * 1024;

    private static readonly (int BM, int BN, int WM, int WN, double Efficiency)[] Tiles =
    [
        (128, 128, 2, 4, 1.0), (128, 64, 2, 2, 0.85), (64, 128, 2, 2, 0.85), (64, 64, 2, 2, 0.7),
        (64, 32, 2, 1, 0.55), (32, 64, 1, 2, 0.55), (32, 32, 1, 1, 0.4),
    ];

    private static readonly int[] SplitChoices = [1, 2, 4, 8, 16];

    /// <summary>The bytes per input copy: the largest of 16, 8, 4 that divides the channels per group (0: none does, no NHWC kernel).</summary>
    public static int Vec(int channelsPerGroup) => channelsPerGroup % 16 == 0 ? 16 : channelsPerGroup % 8 == 0 ? 8 : channelsPerGroup % 4 == 0 ? 4 : 0;

    /// <summary>K padded to whole pipeline stages.</summary>
    public static int KPad(Conv2dShape shape) => (shape.KPerGroup + QConvNhwcConfig.BK - 1) / QConvNhwcConfig.BK * QConvNhwcConfig.BK;

    /// <summary>Whether the kernel runs this convolution: grouped or not, but not depthwise, and whole 4-byte channel runs.</summary>
    public static bool Fits(Conv2dShape shape) => !shape.IsDepthwise && Vec(shape.CPerGroup) > 0;

    public static IReadOnlyList<QConvNhwcConfig> Enumerate(Conv2dShape shape, int multiprocessors)
    {
        int vec = Vec(shape.CPerGroup);
        if (vec == 0) return [];
        int ktiles = KPad(shape) / QConvNhwcConfig.BK;
        long pixels = CudaConvTactics.Pixels(shape);
        var scored = new List<(QConvNhwcConfig Config, double Cost)>();
        foreach (int splits in SplitChoices)
        {
            if (splits > 1 && ktiles < 2 * splits) continue;
            int perSplit = (ktiles + splits - 1) / splits;
            // Deeper pipelines hide more latency but need K to fill them; the next shallower one is offered too.
            int deep = Math.Clamp(perSplit, 2, 4);
            foreach (var (bm, bn, wm, wn, efficiency) in Tiles)
            {
                for (int stages = deep; stages >= Math.Max(2, deep - 1); stages--)
                {
                    var config = new QConvNhwcConfig(bm, bn, wm, wn, stages, splits, vec);
                    if (!Valid(config) || config.SharedBytes > MaxSharedBytes) continue;
                    double cost = Cost(shape, config, efficiency, perSplit, pixels, multiprocessors) * (stages == deep ? 1.0 : 1.04);
                    scored.Add((config, cost));
                }
            }
        }
        return scored.OrderBy(s => s.Cost).Select(s => s.Config).ToList();
    }

    /// <summary>
    /// Every kernel specialization <see cref="Enumerate"/> can offer for some shape: each tile at
    /// each pipeline depth (2 to 4) and copy width that passes the rules, with one split (split-K
    /// ways are a launch parameter).
    /// </summary>
    public static IReadOnlyList<QConvNhwcConfig> AllKernels() =>
        (from t in Tiles
         from stages in new[] { 2, 3, 4 }
         from vec in new[] { 4, 8, 16 }
         let c = new QConvNhwcConfig(t.BM, t.BN, t.WM, t.WN, stages, 1, vec)
         where Valid(c) && c.SharedBytes <= MaxSharedBytes
         select c).ToList();

    /// <summary>The kernel's divisibility rules: every thread copies whole A vectors and B chunks.</summary>
    public static bool Valid(QConvNhwcConfig c)
    {
        int threads = c.ThreadsPerBlock, chunksPerRow = QConvNhwcConfig.BK / c.Vec;
        return c.Vec is 4 or 8 or 16 && c.Stages >= 2 && c.BM % (16 * c.WarpsM) == 0 && c.BN % (16 * c.WarpsN) == 0
            && c.BM <= CudaConvTactics.RowPadding && c.BM * QConvNhwcConfig.BK / 16 % threads == 0
            && threads % chunksPerRow == 0 && c.BN * chunksPerRow % threads == 0;
    }

    /// <summary>Waves of resident blocks times one block's work, plus the split-K reduction's traffic.</summary>
    private static double Cost(Conv2dShape shape, QConvNhwcConfig c, double efficiency, int perSplit, long pixels, int multiprocessors)
    {
        long blocks = (pixels + c.BN - 1) / c.BN * ((shape.MPerGroup + c.BM - 1) / c.BM) * shape.Group * c.Splits;
        int resident = Math.Max(1, Math.Min(Math.Min(16 / (c.ThreadsPerBlock / 32), 227 * 1024 / c.SharedBytes), 4));
        double waves = Math.Ceiling(blocks / (double)(resident * Math.Max(1, multiprocessors)));
        double perBlock = (double)c.BM * c.BN * perSplit * QConvNhwcConfig.BK / efficiency;
        double reduce = c.Splits > 1 ? 24.0 * shape.M * pixels * c.Splits / Math.Max(1, multiprocessors) : 0;
        return waves * perBlock + reduce;
    }

    public static long WorkspaceBytes(Conv2dShape shape, QConvNhwcConfig config) =>
        config.Splits > 1 ? 4L * config.Splits * shape.M * CudaConvTactics.Pixels(shape) : 0;
}
