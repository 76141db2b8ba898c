using EdgeAgent.Camera.Processing.Post.Text;

namespace EdgeAgent.Agent.Ocr;

/// <summary>One line of text found in a frame: where (the detector's box, source pixels), what, how sure, and whether it was read turned over.</summary>
public sealed record ReadLine(TextBox Box, string Text, float Confidence, bool UpsideDown);
