using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A concrete 2-D convolution: input [N, C, H, W], weights [M, C / Group, KH, KW], output
/// [N, M, OutH, OutW], with pads already resolved (auto_pad applied). 1-D convolutions are
/// the H = KH = 1 case.
/// </summary>
public sealed record Conv2dShape(
    int Batch, int C, int H, int W, int M, int KH, int KW,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1, int Group = 1)
{
    public int OutH => (H + PadTop + PadBottom - ((KH - 1) * DilationH + 1)) / StrideH + 1;
    public int OutW => (W + PadLeft + PadRight - ((KW - 1) * DilationW + 1)) / StrideW + 1;
    public int CPerGroup => C / Group;
    public int MPerGroup => M / Group;
    /// <summary>The GEMM depth of one group: input channels times window.</summary>
    public int KPerGroup => CPerGroup * KH * KW;
    public bool IsDepthwise => Group == C && Group == M && Group > 1;
    /// <summary>A 1x1 window that reads every input pixel once in order: B is the input itself.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;
    public long Flops => 2L * Batch * M * OutH * OutW * KPerGroup;

    public override string ToString() =>
        $"{Batch}x{C}x{H}x{W}->{M} k{KH}x{KW} s{StrideH},{StrideW} p{PadTop},{PadLeft},{PadBottom},{PadRight} d{DilationH},{DilationW} g{Group}";

    public void Validate()
    {
        if (Batch < 1 || C < 1 || H < 1 || W < 1 || M < 1 || KH < 1 || KW < 1 || StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1 || Group < 1)
            throw new ArgumentException($"invalid convolution {this}");
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0) throw new ArgumentException($"negative pads in {this}");
        if (C % Group != 0 || M % Group != 0) throw new ArgumentException($"channels {C} -> {M} do not divide into {Group} groups");
        if (OutH < 1 || OutW < 1) throw new ArgumentException($"convolution {this} has an empty output");
    }

    /// <summary>The shape of an NCHW (or NCW) Conv with the given weights shape and window attributes.</summary>
    public static Conv2dShape From(int[] input, int[] weights, WindowAttributes window, int group)
    {
        if (input.Length is not (3 or 4) || weights.Length != input.Length)
            throw new ArgumentException("the CPU convolution handles 1-D and 2-D windows");
        bool oneD = input.Length == 3;
        int h = oneD ? 1 : input[2], w = input[^1];
        var (pt, pb) = oneD ? (0, 0) : window.ResolvePads(0, h);
        var (pl, pr) = window.ResolvePads(oneD ? 0 : 1, w);
        int a = oneD ? 0 : 1;
        var shape = new Conv2dShape(input[0], input[1], h, w, weights[0],
            oneD ? 1 : weights[2], weights[^1],
            oneD ? 1 : window.Strides[0], window.Strides[a], pt, pl, pb, pr,
            oneD ? 1 : window.Dilations[0], window.Dilations[a], group);
        shape.Validate();
        return shape;
    }
}
