using System.Text;

namespace EdgeAgent.Camera.Processing.Post.Text;

/// <summary>
/// Greedy CTC decoding of a text recognizer's output: per time step the most probable class;
/// repeats collapse and the blank (class 0) separates them. Class i ≥ 1 is character i − 1 of
/// the alphabet, PP-OCR's layout: the dictionary file's lines, then a space.
/// </summary>
public sealed class CtcDecoder
{
    private readonly string[] _characters;

    public CtcDecoder(IReadOnlyList<string> alphabet)
    {
        if (alphabet.Count == 0) throw new CameraConfigException("a CTC alphabet needs at least one character");
        _characters = [.. alphabet];
    }

    /// <summary>Classes the recognizer must output: the blank plus one per character.</summary>
    public int Classes => _characters.Length + 1;

    /// <summary>
    /// The alphabet of a PP-OCR dictionary file: one character per line (UTF-8), then a space
    /// (PP-OCR's <c>use_space_char</c>). A missing file, an empty one or a line that is not one
    /// character is a one-line error naming the file.
    /// </summary>
    public static CtcDecoder FromDictionary(string path, bool appendSpace = true)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CameraConfigException($"character dictionary '{path}' cannot be read: {e.Message}");
        }
        var alphabet = new List<string>(lines.Length + 1);
        for (int i = 0; i < lines.Length; i++)
        {
            string entry = lines[i].TrimEnd('\r');
            if (entry.Length == 0 && i == lines.Length - 1) break;
            if (new System.Globalization.StringInfo(entry).LengthInTextElements != 1)
                throw new CameraConfigException($"character dictionary '{path}' line {i + 1} holds '{entry}', not one character");
            alphabet.Add(entry);
        }
        if (alphabet.Count == 0) throw new CameraConfigException($"character dictionary '{path}' is empty");
        if (appendSpace) alphabet.Add(" ");
        return new CtcDecoder(alphabet);
    }

    /// <summary>Decodes <paramref name="steps"/> rows of <see cref="Classes"/> probabilities.</summary>
    public RecognizedText Decode(ReadOnlySpan<float> probabilities, int steps)
    {
        int classes = Classes;
        if (steps < 0 || probabilities.Length != steps * classes)
            throw new ArgumentException($"recognizer output holds {probabilities.Length} values; {steps} steps of {classes} classes need {steps * classes}", nameof(probabilities));
        var text = new StringBuilder();
        float sum = 0;
        int kept = 0, previous = -1;
        for (int t = 0; t < steps; t++)
        {
            var row = probabilities.Slice(t * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
                if (row[c] > row[best]) best = c;
            if (best != 0 && best != previous)
            {
                text.Append(_characters[best - 1]);
                sum += row[best];
                kept++;
            }
            previous = best;
        }
        return new RecognizedText(text.ToString(), kept == 0 ? 0 : sum / kept);
    }
}
