namespace EdgeAgent.Camera.Processing.Post.Text;

/// <summary>One line read by a recognizer: the text and its confidence (mean probability of the characters kept, 0 when none).</summary>
public readonly record struct RecognizedText(string Text, float Confidence);
