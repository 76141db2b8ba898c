using System.Text;

namespace EdgeAgent.Camera.Serial;

/// <summary>Feeds bytes one at a time and reports matches; holds the partial line or match state.</summary>
public sealed class TriggerMatcher
{
    private readonly byte[]? _word;
    private readonly byte[]? _pattern;
    private readonly int[] _fallback = [];
    private readonly byte[] _line = new byte[TriggerPattern.MaxLineLength];
    private int _lineLength;
    private bool _overlong;
    private int _matched;

    internal TriggerMatcher(TriggerPattern pattern)
    {
        if (pattern.Word is not null)
        {
            _word = Encoding.ASCII.GetBytes(pattern.Word);
        }
        else
        {
            _pattern = pattern.Bytes!;
            _fallback = Fallback(_pattern);
        }
    }

    /// <summary>Lines longer than <see cref="TriggerPattern.MaxLineLength"/> seen so far (discarded).</summary>
    public long OverlongLines { get; private set; }

    /// <returns>True when <paramref name="b"/> completes a trigger; <paramref name="payload"/> is the text after the word, if any.</returns>
    public bool Feed(byte b, out string? payload)
    {
        payload = null;
        return _pattern is not null ? FeedBytes(b) : FeedLine(b, out payload);
    }

    private bool FeedBytes(byte b)
    {
        // Knuth–Morris–Pratt: on a mismatch fall back to the longest prefix that is still matched.
        while (_matched > 0 && _pattern![_matched] != b)
            _matched = _fallback[_matched - 1];
        if (_pattern![_matched] == b)
            _matched++;
        if (_matched < _pattern.Length)
            return false;
        _matched = 0; // matches do not overlap: one trigger per pattern occurrence
        return true;
    }

    private bool FeedLine(byte b, out string? payload)
    {
        payload = null;
        if (b == (byte)'\r')
            return false;
        if (b != (byte)'\n')
        {
            if (_lineLength == _line.Length)
                _overlong = true;
            else
                _line[_lineLength++] = b;
            return false;
        }
        ReadOnlySpan<byte> line = _line.AsSpan(0, _lineLength);
        bool overlong = _overlong;
        _lineLength = 0;
        _overlong = false;
        if (overlong)
        {
            OverlongLines++;
            return false;
        }
        line = line.Trim((byte)' ');
        if (!line.StartsWith(_word))
            return false;
        if (line.Length == _word!.Length)
            return true;
        if (line[_word.Length] != (byte)' ')
            return false;
        payload = Encoding.ASCII.GetString(line[(_word.Length + 1)..].Trim((byte)' '));
        return true;
    }

    private static int[] Fallback(byte[] p)
    {
        var f = new int[p.Length];
        for (int i = 1, k = 0; i < p.Length; i++)
        {
            while (k > 0 && p[i] != p[k])
                k = f[k - 1];
            if (p[i] == p[k])
                k++;
            f[i] = k;
        }
        return f;
    }
}
