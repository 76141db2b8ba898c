using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Agent.Service;

/// <summary>
/// One frame's model output on its way from the inference thread to the post-processing
/// thread. A fixed set of these circulates between the two (see <see cref="ResultStage"/>), so
/// handing a frame over copies its output but allocates nothing.
/// </summary>
public sealed class OutputFrame
{
    public float[] Data { get; private set; } = [];
    public int Length { get; private set; }
    public int[] Shape { get; private set; } = [];
    public long FrameId { get; set; }
    public long CaptureTimestamp { get; set; }
    public string ModelId { get; set; } = "";
    public string Version { get; set; } = "";
    public string EngineId { get; set; } = "";
    public ResizeGeometry Geometry { get; set; }

    public void CopyFrom(ReadOnlySpan<float> output, int[] shape)
    {
        if (Data.Length < output.Length) Data = new float[output.Length];
        output.CopyTo(Data);
        Length = output.Length;
        Shape = shape;
    }

    public ReadOnlySpan<float> Values => Data.AsSpan(0, Length);

    private byte[] _pixels = [];

    /// <summary>The camera frame the output came from, when a later stage reads it (text lines are cut out of it).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels.AsSpan(0, Source.ByteCount);

    public FrameGeometry Source { get; private set; }

    public void CopyPixels(ReadOnlySpan<byte> pixels, FrameGeometry geometry)
    {
        if (_pixels.Length < geometry.ByteCount) _pixels = new byte[geometry.ByteCount];
        pixels[..geometry.ByteCount].CopyTo(_pixels);
        Source = geometry;
    }

    /// <summary>The reference to compare this frame with, when the frame was sampled for shadow comparison.</summary>
    public ShadowReference? Shadow { get; private set; }
    private float[] _shadowInput = [];

    public Span<float> SampleForShadow(ShadowReference shadow)
    {
        Shadow = shadow;
        if (_shadowInput.Length != shadow.InputLength) _shadowInput = new float[shadow.InputLength];
        return _shadowInput;
    }

    public void NoShadow() => Shadow = null;

    public ReadOnlySpan<float> ShadowInput => _shadowInput;
}
