namespace EdgeAgent.Agent.Ocr;

/// <summary>
/// One model of the OCR cascade as the cascade sees it: an image batch [batch, 3, height, width]
/// in, its first output out. Our engines implement it (<see cref="ProfiledModel"/>); so can
/// another runtime, to score the same cascade with the same pre- and post-processing.
/// </summary>
public interface IOcrModel
{
    /// <summary>The output values (valid until the next call) and their shape.</summary>
    ReadOnlySpan<float> Run(ReadOnlySpan<float> input, int batch, int height, int width, out int[] shape, CancellationToken cancellationToken);
}
