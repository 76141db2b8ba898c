using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A concrete 2-D transposed convolution: input [N, C, H, W], weights [C, M / Group, KH, KW],
/// output [N, M, OutH, OutW]. Input pixel (ih, iw) adds its window into output pixel
/// (ih * StrideH + kh * DilationH - PadTop, iw * StrideW + kw * DilationW - PadLeft); what
/// falls outside the output is dropped, so end pads and output_padding only show in OutH/OutW.
/// </summary>
public sealed record ConvTranspose2dShape(
    int Batch, int C, int H, int W, int M, int KH, int KW, int OutH, int OutW,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int DilationH = 1, int DilationW = 1, int Group = 1)
{
    public int CPerGroup => C / Group;
    public int MPerGroup => M / Group;
    /// <summary>Rows of one group's GEMM: output channels times window.</summary>
    public int ColumnRows => MPerGroup * KH * KW;
    public long Flops => 2L * Batch * C * H * W * MPerGroup * KH * KW;

    public void Validate()
    {
        if (Batch < 1 || C < 1 || H < 1 || W < 1 || M < 1 || KH < 1 || KW < 1 || OutH < 1 || OutW < 1 ||
            StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1 || Group < 1 || PadTop < 0 || PadLeft < 0)
            throw new ArgumentException($"invalid transposed convolution {this}");
        if (C % Group != 0 || M % Group != 0) throw new ArgumentException($"channels {C} -> {M} do not divide into {Group} groups");
    }

    public override string ToString() =>
        $"{Batch}x{C}x{H}x{W}->{M}x{OutH}x{OutW} k{KH}x{KW} s{StrideH},{StrideW} p{PadTop},{PadLeft} d{DilationH},{DilationW} g{Group} (transposed)";

    /// <summary>The shape of an NCHW ConvTranspose, resolving output_shape, output_padding and auto_pad as ONNX does.</summary>
    public static ConvTranspose2dShape From(int[] input, int[] weights, WindowAttributes window, int group, long[]? outputPadding, long[]? outputShape)
    {
        if (input.Length != 4 || weights.Length != 4) throw new ArgumentException("the CPU transposed convolution handles 2-D windows");
        var begin = new int[2];
        var size = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int stride = window.Strides[i], eff = window.EffectiveKernel(i);
            int natural = stride * (input[i + 2] - 1) + (int)(outputPadding is { Length: 2 } op ? op[i] : 0) + eff;
            if (outputShape is { Length: > 0 } || window.AutoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                int target = outputShape is { Length: > 0 } ? (int)outputShape[^(2 - i)] : input[i + 2] * stride;
                int total = Math.Max(0, natural - target);
                begin[i] = window.AutoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                size[i] = target;
            }
            else
            {
                begin[i] = window.PadsBegin[i];
                size[i] = natural - window.PadsBegin[i] - window.PadsEnd[i];
            }
        }
        var shape = new ConvTranspose2dShape(input[0], input[1], input[2], input[3], weights[1] * group, weights[2], weights[3],
            size[0], size[1], window.Strides[0], window.Strides[1], begin[0], begin[1], window.Dilations[0], window.Dilations[1], group);
        shape.Validate();
        return shape;
    }
}
