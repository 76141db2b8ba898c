using System.Runtime.InteropServices;

namespace EdgeAgent.Engine.Backends.Cuda;

// Kernel parameter blocks, laid out exactly as the structs in Kernels/*.cu(h) (sequential,
// natural alignment), passed by value through cuLaunchKernel.

[StructLayout(LayoutKind.Sequential)]
internal struct EpilogueParams
{
    public int Activation;
    public float Alpha, Beta;
    public int ActivationFirst;
    public float PostScale, PostShift;

    public static EpilogueParams Identity => new() { PostScale = 1 };
}

[StructLayout(LayoutKind.Sequential)]
internal struct ConvParams
{
    public int Batch, C, H, W;
    public int M, OH, OW;
    public int KDim, KPad, MPad;
    public int Groups, MPerGroup, CPerGroup;
    public int StrideH, StrideW, PadH, PadW;
    public int NPix;
    public int HasResidual;
    public int Splits;
    public EpilogueParams Epilogue;
}

[StructLayout(LayoutKind.Sequential)]
internal struct DirectParams
{
    public int Batch, C, H, W;
    public int M, OH, OW;
    public int KH, KW, StrideH, StrideW, PadH, PadW, DilH, DilW;
    public int Groups;
    public int HasResidual;
    public EpilogueParams Epilogue;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BroadcastParams
{
    public const int MaxRank = 6;
    public int Rank;
    public fixed int Dims[MaxRank];
    public fixed long StridesA[MaxRank];
    public fixed long StridesB[MaxRank];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PermuteParams
{
    public int Rank;
    public fixed int Dims[BroadcastParams.MaxRank];
    public fixed long Strides[BroadcastParams.MaxRank];
}

[StructLayout(LayoutKind.Sequential)]
internal struct PoolParams
{
    public int Planes, H, W, OH, OW, KH, KW, SH, SW, DH, DW, Top, Left, IsMax, IncludePad;
    public int Bottom, Right;
}

[StructLayout(LayoutKind.Sequential)]
internal struct QConvParams
{
    public ConvParams Conv;
    public float XScale;
    public float InverseYScale;
    public float ResidualScale;
    public int OutInt8;
    public int ResidualInt8;
}
