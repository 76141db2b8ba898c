namespace EdgeAgent.Camera.Processing.Post.Detection;

/// <summary>One detected object, its box in source-image pixels.</summary>
public sealed record Detection(int ClassId, string Label, float Score, BoundingBox Box);
