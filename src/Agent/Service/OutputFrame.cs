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
}
