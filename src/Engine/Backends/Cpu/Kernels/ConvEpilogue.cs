using EdgeAgent.Engine.Graph.Ops;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// A FusedConv's epilogue for a whole NCHW output: <c>Bias</c> holds one value per output
/// channel, <c>Residual</c> (optional) has the output's exact shape. Output = act(conv + b +
/// residual), or act(conv + b) + residual with <see cref="ActivationFirst"/>; then
/// output * <see cref="PostScale"/> + <see cref="PostShift"/>.
/// </summary>
public readonly unsafe struct ConvEpilogue(float* bias, Activation activation, float* residual = null, bool activationFirst = false,
    float postScale = 1f, float postShift = 0f)
{
    public float* Bias { get; } = bias;
    public Activation Activation { get; } = activation;
    public float* Residual { get; } = residual;
    public bool ActivationFirst { get; } = activationFirst;
    public float PostScale { get; } = postScale;
    public float PostShift { get; } = postShift;

    public bool IsIdentity => Bias == null && Residual == null && Activation.Kind == ActivationKind.None && PostScale == 1f && PostShift == 0f;

    public static ConvEpilogue None => new(null, Activation.None);

    /// <summary>The row epilogue for image <paramref name="n"/>, channels from <paramref name="firstChannel"/>, planes of <paramref name="plane"/> floats.</summary>
    internal Epilogue ForImage(int n, int channels, int firstChannel, int plane) => new(
        Bias == null ? null : Bias + firstChannel, Activation,
        Residual == null ? null : Residual + ((long)n * channels + firstChannel) * plane, plane, ActivationFirst, PostScale, PostShift);
}
