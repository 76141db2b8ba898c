using System.Text.Json.Serialization;

namespace EdgeAgent.Camera.Processing.Post.Detection;

[JsonConverter(typeof(JsonStringEnumConverter<YoloLayout>))]
public enum YoloLayout
{
    /// <summary>YOLOv5/v7: [1, boxes, 5 + classes] rows of cx, cy, w, h, objectness, class scores.</summary>
    V5,
    /// <summary>YOLOv8/v11: [1, 4 + classes, boxes] columns of cx, cy, w, h, class scores; no objectness.</summary>
    V8,
}

public sealed record YoloOptions
{
    public YoloLayout Layout { get; init; } = YoloLayout.V5;
    public int ClassCount { get; init; } = 80;
    /// <summary>Minimum objectness x class score for a box to be a candidate.</summary>
    public float ScoreThreshold { get; init; } = 0.25f;
    public float IouThreshold { get; init; } = 0.45f;
    public int MaxDetections { get; init; } = 300;
    public bool ClassAgnosticNms { get; init; }

    public void Validate()
    {
        if (ClassCount < 1 || MaxDetections < 1 || ScoreThreshold is < 0 or > 1 || IouThreshold is <= 0 or > 1)
            throw new CameraConfigException($"YOLO options need ClassCount >= 1, MaxDetections >= 1, ScoreThreshold in [0, 1], IouThreshold in (0, 1] (got {ClassCount}, {MaxDetections}, {ScoreThreshold}, {IouThreshold})");
    }
}
