using EdgeAgent.Agent.Cli;

namespace EdgeAgent.Agent.Ocr;

/// <summary>The three PP-OCR models of the OCR cascade and the recognizer's character dictionary.</summary>
public sealed record OcrModels(string Detector, string Classifier, string Recognizer, string Dictionary)
{
    /// <summary>The file names <c>scripts/fetch-models.sh</c> writes, in <paramref name="directory"/>.</summary>
    public static OcrModels In(string directory) => new(
        Path.Combine(directory, "ch_PP-OCRv4_det_infer.onnx"),
        Path.Combine(directory, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
        Path.Combine(directory, "ch_PP-OCRv4_rec_infer.onnx"),
        Path.Combine(directory, "ppocr_keys_v1.txt"));

    /// <summary>A one-line error naming the first file that is missing.</summary>
    public void Validate()
    {
        foreach (var (role, path) in new[] { ("detector", Detector), ("direction classifier", Classifier), ("recognizer", Recognizer), ("character dictionary", Dictionary) })
            if (!File.Exists(path))
                throw new CliUsageException($"text {role} '{path}' does not exist (scripts/fetch-models.sh fetches the PP-OCR models)");
    }
}
