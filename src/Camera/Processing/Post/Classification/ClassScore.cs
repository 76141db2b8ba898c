namespace EdgeAgent.Camera.Processing.Post.Classification;

/// <summary>One class of a classification result.</summary>
public sealed record ClassScore(int ClassId, string Label, float Score);
