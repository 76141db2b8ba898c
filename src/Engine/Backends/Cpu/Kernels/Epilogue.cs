using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// What a fused producer does to each finished output row m: add <c>bias[m]</c>, then either
/// act(v + residual) or, with <see cref="ActivationFirst"/>, act(v) + residual. The residual
/// has the output's layout: row m starts at <c>Residual + m * ResidualRowStride</c>. Last,
/// y * <see cref="PostScale"/> + <see cref="PostShift"/> (a scalar affine folded into the op).
/// Pointers are the caller's; the struct only describes them, so building one allocates nothing.
/// </summary>
public readonly unsafe struct Epilogue
{
    public Epilogue(float* bias, Activation activation, float* residual = null, nint residualRowStride = 0, bool activationFirst = false,
        float postScale = 1f, float postShift = 0f)
    {
        PostScale = postScale;
        PostShift = postShift;
        Bias = bias;
        Activation = activation;
        Residual = residual;
        ResidualRowStride = residualRowStride;
        ActivationFirst = activationFirst;
    }

    public static Epilogue None => new(null, Activation.None);

    public float* Bias { get; }
    public Activation Activation { get; }
    public float* Residual { get; }
    public nint ResidualRowStride { get; }
    public bool ActivationFirst { get; }
    public float PostScale { get; }
    public float PostShift { get; }

    public bool IsIdentity => Bias == null && Residual == null && Activation.Kind == ActivationKind.None && PostScale == 1f && PostShift == 0f;

    /// <summary>The same epilogue for rows starting at <paramref name="firstRow"/> (a group's slice of channels).</summary>
    public Epilogue ForRows(int firstRow) => new(
        Bias == null ? null : Bias + firstRow, Activation,
        Residual == null ? null : Residual + firstRow * ResidualRowStride, ResidualRowStride, ActivationFirst, PostScale, PostShift);

    /// <summary>Applies the epilogue to rows [m0, m0+rows) and columns [n0, n0+cols) of C.</summary>
    public void Apply(float* c, nint ldc, int m0, int rows, int n0, int cols, KernelIsa isa)
    {
        if (IsIdentity || cols <= 0) return;
        for (int m = m0; m < m0 + rows; m++)
        {
            float* r = Residual == null ? null : Residual + m * ResidualRowStride + n0;
            EpilogueRows.Apply(c + m * ldc + n0, cols, Bias == null ? 0f : Bias[m], r, Activation, ActivationFirst, PostScale, PostShift, isa);
        }
    }
}
