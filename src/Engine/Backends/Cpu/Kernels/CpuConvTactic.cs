namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

public enum ConvAlgorithm
{
    /// <summary>GEMM over packed weights; B is the input itself for pointwise convolutions, otherwise im2col packed on the fly.</summary>
    Gemm,
    /// <summary>Depthwise with window-specialised row loops (3x3, 5x5; other windows use the tap loop).</summary>
    DepthwiseDirect,
    /// <summary>Depthwise with one loop over window taps, any window.</summary>
    DepthwiseTaps,
}

/// <summary>A way to run one convolution layer; the builder times the ones <see cref="Enumerate"/> offers.</summary>
public sealed record CpuConvTactic(string Name, ConvAlgorithm Algorithm, KernelIsa Isa, GemmTactic? Gemm)
{
    public static CpuConvTactic ForGemm(GemmTactic gemm) => new("conv_" + gemm.Name, ConvAlgorithm.Gemm, gemm.Isa, gemm);

    public static CpuConvTactic ForDepthwise(ConvAlgorithm algorithm, KernelIsa isa)
    {
        if (algorithm == ConvAlgorithm.Gemm) throw new ArgumentException("use ForGemm for GEMM tactics");
        string kind = algorithm == ConvAlgorithm.DepthwiseDirect ? "direct" : "taps";
        return new($"dw_{kind}_{isa.ToString().ToLowerInvariant()}", algorithm, isa, null);
    }

    public bool Supports(Conv2dShape s) => Algorithm == ConvAlgorithm.Gemm ? Gemm is not null : s.IsDepthwise;

    public static CpuConvTactic Default(Conv2dShape s) => Default(s, KernelIsas.Best);

    public static CpuConvTactic Default(Conv2dShape s, KernelIsa isa) => s.IsDepthwise
        ? ForDepthwise(ConvAlgorithm.DepthwiseDirect, isa)
        : ForGemm(GemmTactic.Default(isa, s.MPerGroup, s.OutH * s.OutW, s.KPerGroup));

    /// <summary>Every tactic valid for the layer on this machine, the default first.</summary>
    public static IReadOnlyList<CpuConvTactic> Enumerate(Conv2dShape s)
    {
        var list = new List<CpuConvTactic> { Default(s) };
        if (s.IsDepthwise)
        {
            foreach (var isa in KernelIsas.Timed)
            {
                list.Add(ForDepthwise(ConvAlgorithm.DepthwiseDirect, isa));
                list.Add(ForDepthwise(ConvAlgorithm.DepthwiseTaps, isa));
            }
        }
        else
        {
            foreach (var g in GemmTactic.Enumerate(s.MPerGroup, s.OutH * s.OutW, s.KPerGroup, plainB: s.IsPointwise)) list.Add(ForGemm(g));
        }
        return list.DistinctBy(t => t.Name).ToArray();
    }
}
