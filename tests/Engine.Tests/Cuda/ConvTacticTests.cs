using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Cuda;

namespace EdgeAgent.Engine.Tests.Cuda;

/// <summary>Which implicit-GEMM tactics a convolution is offered on the GPU, and in what order.</summary>
public sealed class ConvTacticTests
{
    private static readonly Conv2dShape Large = new(32, 256, 56, 56, 256, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);
    private static readonly Conv2dShape DeepAndSmall = new(1, 512, 7, 7, 512, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);

    [Fact]
    public void Fp16OffersTensorCoreTilesAndTheFmaKernelFp32OnlyTheFmaKernel()
    {
        var fp16 = CudaConvTactics.Enumerate(Large, tensorCores: true, multiprocessors: 132);
        var fp32 = CudaConvTactics.Enumerate(Large, tensorCores: false, multiprocessors: 132);
        Assert.Contains(fp16, c => c.TensorCores);
        Assert.Contains(fp16, c => !c.TensorCores);
        Assert.All(fp32, c => Assert.False(c.TensorCores));
        Assert.Equal(fp16.Count, fp16.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void KIsSplitOnlyWhenEachPartKeepsAtLeastTwoTiles()
    {
        foreach (var shape in new[] { Large, DeepAndSmall, new Conv2dShape(1, 16, 8, 8, 32, 1, 1) })
        {
            int ktiles = CudaConvTactics.KPad(shape) / CudaConvTactics.KTile;
            Assert.All(CudaConvTactics.Enumerate(shape, true, 132), c => Assert.True(c.Splits == 1 || ktiles >= 2 * c.Splits, $"{c.Name} for {shape}"));
        }
        // K = 16 * 1 * 1 pads to one tile: nothing to split.
        Assert.All(CudaConvTactics.Enumerate(new Conv2dShape(1, 16, 8, 8, 32, 1, 1), true, 132), c => Assert.Equal(1, c.Splits));
    }

    [Fact]
    public void TheModelPrefersBigTilesForBigLayersAndSplitKForDeepSmallOnes()
    {
        var large = CudaConvTactics.Enumerate(Large, true, 132)[0];
        Assert.True(large.TensorCores && large.BM * large.BN >= 64 * 128, large.Name);
        Assert.Equal(1, large.Splits);
        // 49 output pixels and K = 4608: without a split a handful of blocks would do all the work.
        Assert.True(CudaConvTactics.Enumerate(DeepAndSmall, true, 132)[0].Splits > 1);
    }

    [Fact]
    public void TacticsRoundTripThroughTheirParameters()
    {
        foreach (var config in CudaConvTactics.Enumerate(Large, true, 132))
        {
            var tactic = config.ToTactic();
            Assert.Equal(config, ConvTileConfig.FromTactic(tactic));
            Assert.Equal(config.Name, tactic.Name);
        }
    }

    [Fact]
    public void PaddingAndWorkspaceFollowTheShape()
    {
        Assert.Equal(256 * 9, Large.KPerGroup);
        Assert.Equal(2304, CudaConvTactics.KPad(Large));
        Assert.Equal(160, CudaConvTactics.KPad(new Conv2dShape(1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 3, 3)));
        Assert.Equal(256, CudaConvTactics.MPad(Large));
        Assert.Equal(128, CudaConvTactics.MPad(new Conv2dShape(1, 8, 8, 8, 24, 1, 1)));
        var split = new ConvTileConfig(true, 64, 64, 2, 2, 4);
        Assert.Equal(4L * 4 * 512 * 49, CudaConvTactics.WorkspaceBytes(DeepAndSmall, split));
        Assert.Equal(0, CudaConvTactics.WorkspaceBytes(DeepAndSmall, split with { Splits = 1 }));
    }
}
