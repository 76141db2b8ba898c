using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cuda;
using EdgeAgent.Engine.Backends.Cuda.Layers;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>
/// The host side of the channels-last INT8 tensor-core convolution, without a GPU: the tactics
/// offered obey the kernel's divisibility and shared-memory rules on every shape class, and the
/// packed weights and chunk table, walked the way the kernel walks them, compute the
/// convolution exactly.
/// </summary>
public sealed class QConvNhwcTacticTests(ITestOutputHelper output)
{
    private static readonly Conv2dShape[] Shapes =
    [
        new(1, 64, 56, 56, 64, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),      // ResNet stage 1
        new(1, 512, 7, 7, 512, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),      // long K, 49 pixels
        new(32, 256, 56, 56, 64, 1, 1),                                                       // batch 32, 1x1
        new(1, 1024, 14, 14, 2048, 1, 1, StrideH: 2, StrideW: 2),                             // strided projection
        new(1, 40, 19, 23, 24, 3, 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1), // 8-byte copies
        new(2, 24, 12, 10, 24, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Group: 6), // 4-byte copies, groups
        new(1, 16, 9, 9, 20, 1, 1),                                                           // K shorter than a stage
    ];

    [Fact]
    public void EveryTacticObeysTheKernelsRules()
    {
        foreach (var shape in Shapes)
        foreach (int sms in (int[])[132, 16, 8])
        {
            var tactics = QConvNhwcTactics.Enumerate(shape, sms);
            Assert.NotEmpty(tactics);
            int ktiles = QConvNhwcTactics.KPad(shape) / QConvNhwcConfig.BK;
            Assert.Equal(tactics.Count, tactics.Select(t => t.Name).Distinct().Count());
            foreach (var t in tactics)
            {
                Assert.True(QConvNhwcTactics.Valid(t), $"{t.Name} for {shape}");
                Assert.True(t.SharedBytes <= QConvNhwcTactics.MaxSharedBytes, $"{t.Name}: {t.SharedBytes} B of shared memory");
                Assert.Equal(QConvNhwcTactics.Vec(shape.CPerGroup), t.Vec);
                // Every split has at least two stages of K; only split-K needs a workspace, and it holds every split's partials.
                Assert.True(t.Splits == 1 || ktiles >= 2 * t.Splits, $"{t.Name}: {ktiles} K tiles");
                Assert.Equal(t.Splits == 1 ? 0 : 4L * t.Splits * shape.M * CudaConvTactics.Pixels(shape), QConvNhwcTactics.WorkspaceBytes(shape, t));
                Assert.Equal(t, QConvNhwcConfig.FromTactic(t.ToTactic()));
            }
            if (sms == 132) output.WriteLine($"{shape}: {tactics.Count} tactics, first {tactics[0].Name}");
        }
    }

    [Fact]
    public void TheCostModelsFirstChoiceFitsTheShape()
    {
        // 49 pixels and K = 4608 on 132 SMs: too few tiles without splitting K.
        Assert.True(QConvNhwcTactics.Enumerate(Shapes[1], 132)[0].Splits > 1);
        // A 100k-pixel GEMM has tiles enough for every SM: large tiles, no split.
        var big = QConvNhwcTactics.Enumerate(Shapes[2], 132)[0];
        Assert.Equal(1, big.Splits);
        Assert.True(big.BM * big.BN >= 64 * 64, big.Name);
    }

    [Fact]
    public void NoTacticForDepthwiseOrChannelRunsShorterThanFourBytes()
    {
        Assert.Empty(QConvNhwcTactics.Enumerate(new Conv2dShape(1, 32, 8, 8, 32, 3, 3, Group: 32), 132));
        Assert.Empty(QConvNhwcTactics.Enumerate(new Conv2dShape(1, 3, 32, 32, 16, 3, 3), 132));
        Assert.Empty(QConvNhwcTactics.Enumerate(new Conv2dShape(1, 18, 8, 8, 16, 3, 3), 132));
        Assert.False(QConvNhwcTactics.Fits(new Conv2dShape(1, 6, 8, 8, 16, 1, 1)));
        Assert.True(QConvNhwcTactics.Fits(new Conv2dShape(1, 12, 8, 8, 16, 1, 1)));
    }

    public static TheoryData<int> ShapeIndices() => [.. Enumerable.Range(4, 3)];

    /// <summary>Walks the packed A and the chunk table over an NHWC input as the kernel does and compares with a direct NCHW convolution.</summary>
    [Theory]
    [MemberData(nameof(ShapeIndices))]
    public void PackedWeightsAndChunkTableComputeTheConvolution(int index)
    {
        var s = Shapes[index] with { DilationH = index == 5 ? 2 : 1, PadTop = index == 5 ? 2 : Shapes[index].PadTop, PadBottom = index == 5 ? 2 : Shapes[index].PadBottom };
        var random = new Random(TestModels.NewSeed(output));
        output.WriteLine(s.ToString());
        var x = new sbyte[s.Batch * s.C * s.H * s.W];
        var w = new sbyte[s.M * s.KPerGroup];
        foreach (var a in (sbyte[][])[x, w]) for (int i = 0; i < a.Length; i++) a[i] = (sbyte)random.Next(-127, 128);
        int kpad = QConvNhwcTactics.KPad(s), mpad = CudaConvTactics.MPad(s), vec = QConvNhwcTactics.Vec(s.CPerGroup);
        var packed = CudaQConvNhwcLayer.PackWeights(s, w, mpad, kpad);
        var table = CudaQConvNhwcLayer.ChunkTable(s, kpad, vec);
        Assert.Equal((long)s.Group * mpad * kpad, packed.LongLength);
        Assert.Equal(4 * kpad / vec, table.Length);

        var nhwc = new sbyte[x.Length];
        for (int b = 0; b < s.Batch; b++)
            for (int c = 0; c < s.C; c++)
                for (int i = 0; i < s.H * s.W; i++) nhwc[(b * s.H * s.W + i) * s.C + c] = x[(b * s.C + c) * s.H * s.W + i];

        for (int b = 0; b < s.Batch; b++)
        for (int oy = 0; oy < s.OutH; oy++)
        for (int ox = 0; ox < s.OutW; ox++)
        for (int m = 0; m < s.M; m++)
        {
            int g = m / s.MPerGroup, mg = m % s.MPerGroup;
            long kernelSum = 0, direct = 0;
            for (int j = 0; j < kpad / vec; j++)
            {
                int ch = table[4 * j], dy = table[4 * j + 1], dx = table[4 * j + 2];
                int iy = oy * s.StrideH - s.PadTop + dy, ix = ox * s.StrideW - s.PadLeft + dx;
                if ((uint)iy >= (uint)s.H || (uint)ix >= (uint)s.W) continue;   // also the padding past K (dy = 1 << 28)
                for (int t = 0; t < vec; t++)
                    kernelSum += nhwc[((b * s.H + iy) * s.W + ix) * s.C + g * s.CPerGroup + ch + t] * packed[((long)g * mpad + mg) * kpad + j * vec + t];
            }
            for (int c = 0; c < s.CPerGroup; c++)
            for (int r = 0; r < s.KH; r++)
            for (int q = 0; q < s.KW; q++)
            {
                int iy = oy * s.StrideH - s.PadTop + r * s.DilationH, ix = ox * s.StrideW - s.PadLeft + q * s.DilationW;
                if ((uint)iy >= (uint)s.H || (uint)ix >= (uint)s.W) continue;
                direct += x[((b * s.C + g * s.CPerGroup + c) * s.H + iy) * s.W + ix] * w[(m * s.CPerGroup + c) * s.KH * s.KW + r * s.KW + q];
            }
            Assert.True(direct == kernelSum, $"pixel ({b},{oy},{ox}) channel {m}: {kernelSum} != {direct}");
        }
        // The padding of A is zero, so the rows past M and the k past K add nothing.
        for (int g = 0; g < s.Group; g++)
            for (int m = 0; m < mpad; m++)
                for (int k = 0; k < kpad; k++)
                    if (m >= s.MPerGroup || k >= s.KPerGroup) Assert.Equal(0, packed[((long)g * mpad + m) * kpad + k]);
    }
}
