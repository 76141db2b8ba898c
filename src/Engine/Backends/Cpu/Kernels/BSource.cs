namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Where the right GEMM operand B [K x N] comes from: a plain matrix (element (k, n) at
/// <c>Data[k * RowStride + n * ColStride]</c>) or, with <see cref="Im2Col"/>, one NCHW image
/// read as the unrolled convolution matrix (k = (c, kh, kw), n = (oh, ow)) without ever
/// materialising it: the packer gathers straight into the micro-kernel's panels; or, with
/// <see cref="Panels"/>, a constant B packed once at build time (<see cref="PackedGemmPanels"/>)
/// that the micro-kernel reads as it is.
/// </summary>
internal unsafe struct BSource
{
    public float* Data;
    public nint RowStride, ColStride;
    public bool Im2Col;
    /// <summary>Data is already in panel form: K block kb at <c>kb * BlockK * PaddedN</c>, panel j of it at <c>j * kc * NR</c>.</summary>
    public bool Panels;
    public int PaddedN;
    public int H, W, KH, KW, StrideH, StrideW, PadTop, PadLeft, DilationH, DilationW, OutW;

    public static BSource Plain(float* data, nint rowStride, nint colStride) =>
        new() { Data = data, RowStride = rowStride, ColStride = colStride };

    public static BSource Packed(PackedGemmPanels panels) =>
        new() { Data = panels.Data, Panels = true, PaddedN = panels.PaddedN };

    public static BSource Image(float* image, in Conv2dShape s) => new()
    {
        Data = image, Im2Col = true, H = s.H, W = s.W, KH = s.KH, KW = s.KW,
        StrideH = s.StrideH, StrideW = s.StrideW, PadTop = s.PadTop, PadLeft = s.PadLeft,
        DilationH = s.DilationH, DilationW = s.DilationW, OutW = s.OutW,
    };

    /// <summary>True when B can be read in place by the micro-kernel (contiguous rows).</summary>
    public readonly bool IsDirect => !Im2Col && !Panels && ColStride == 1;
}
