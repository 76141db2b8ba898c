namespace EdgeAgent.Engine.Graph.Ops;

/// <summary>An op the engine knows: its ONNX type and how it maps input shapes to output shapes.</summary>
public sealed record OpSchema(string OpType, Action<ShapeContext> InferShape);
