using System.Globalization;

namespace EdgeAgent.Camera.Serial;

/// <summary>
/// What counts as a trigger on the serial line. A word (default <c>TRIG</c>, or <c>line:WORD</c>)
/// matches a text line equal to it, or starting with it and a space, whose rest becomes the
/// trigger's payload (<c>TRIG LOT42</c>). <c>hex:55AA</c> matches that byte sequence anywhere in
/// the stream, for microcontrollers that send binary frames.
/// </summary>
public sealed record TriggerPattern
{
    public const int MaxLineLength = 256;

    private TriggerPattern(string? word, byte[]? bytes)
    {
        Word = word;
        Bytes = bytes;
    }

    public string? Word { get; }

    public byte[]? Bytes { get; }

    public static TriggerPattern Parse(string text)
    {
        if (string.IsNullOrEmpty(text))
            throw new CameraConfigException("trigger pattern is empty; use a word like TRIG, line:WORD or hex:55AA");
        if (text.StartsWith("hex:", StringComparison.OrdinalIgnoreCase))
        {
            string hex = text[4..].Replace(" ", "", StringComparison.Ordinal);
            if (hex.Length == 0 || hex.Length % 2 != 0 || hex.Length > 64)
                throw new CameraConfigException($"trigger pattern '{text}' needs an even number of hex digits (1 to 32 bytes), e.g. hex:55AA");
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                if (!byte.TryParse(hex.AsSpan(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                    throw new CameraConfigException($"trigger pattern '{text}': '{hex.Substring(2 * i, 2)}' is not a hex byte");
            }
            return new TriggerPattern(null, bytes);
        }
        string word = text.StartsWith("line:", StringComparison.OrdinalIgnoreCase) ? text[5..] : text;
        if (word.Length == 0 || word.Length > 64 || word.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > 126))
            throw new CameraConfigException($"trigger word '{word}' must be 1-64 printable ASCII characters without spaces");
        return new TriggerPattern(word, null);
    }

    public TriggerMatcher CreateMatcher() => new(this);

    public override string ToString() => Word ?? "hex:" + Convert.ToHexString(Bytes!);
}
