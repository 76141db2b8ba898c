using System.Globalization;
using System.Text;

namespace EdgeAgent.Engine.Tensors;

/// <summary>
/// The header dictionary of a .npy file, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.
/// It is a Python literal, so this is a small parser for exactly the literals NumPy writes
/// (strings, True/False, tuples of non-negative integers) rather than a general evaluator.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    public string ToPython()
    {
        string shape = Shape.Length switch
        {
            0 => "()",
            1 => $"({Shape[0]},)",
            _ => "(" + string.Join(", ", Shape) + ")",
        };
        return $"{{'descr': '{Descr}', 'fortran_order': {(FortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
    }

    public static NpyHeader Parse(string text, string file) => new Parser(text, file).ParseHeader();

    private sealed class Parser(string text, string file)
    {
        private int _pos;

        public NpyHeader ParseHeader()
        {
            string? descr = null;
            bool? fortran = null;
            long[]? shape = null;
            SkipSpace();
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _pos++; break; }
                string key = ParseString();
                SkipSpace();
                Expect(':');
                SkipSpace();
                switch (key)
                {
                    case "descr":
                        if (Peek() == '[') throw Fail("structured dtypes (a list in 'descr') are not supported");
                        descr = ParseString();
                        break;
                    case "fortran_order":
                        fortran = ParseBool();
                        break;
                    case "shape":
                        shape = ParseShape();
                        break;
                    default:
                        throw Fail($"unexpected header key '{key}' (expected descr, fortran_order, shape)");
                }
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                SkipSpace();
                Expect('}');
                break;
            }
            SkipSpace();
            if (_pos != text.Length) throw Fail($"unexpected text after the header dictionary at offset {_pos}");
            if (descr is null) throw Fail("header has no 'descr'");
            if (fortran is null) throw Fail("header has no 'fortran_order'");
            if (shape is null) throw Fail("header has no 'shape'");
            return new NpyHeader(descr, fortran.Value, shape);
        }

        private string ParseString()
        {
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Fail($"expected a quoted string at offset {_pos} of the header");
            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length) throw Fail("unterminated string in the header");
                char c = text[_pos++];
                if (c == quote) return sb.ToString();
                if (c == '\\')
                {
                    if (_pos >= text.Length) throw Fail("unterminated string in the header");
                    c = text[_pos++];
                }
                sb.Append(c);
            }
        }

        private bool ParseBool()
        {
            if (TryWord("True")) return true;
            if (TryWord("False")) return false;
            throw Fail($"expected True or False at offset {_pos} of the header");
        }

        private long[] ParseShape()
        {
            Expect('(');
            var dims = new List<long>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { _pos++; return [.. dims]; }
                dims.Add(ParseDimension());
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                Expect(')');
                return [.. dims];
            }
        }

        private long ParseDimension()
        {
            int start = _pos;
            if (Peek() is '-' or '+') _pos++;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            string digits = text[start.._pos];
            // Python 2 era files write long integers with an L suffix.
            if (Peek() is 'L' or 'l') _pos++;
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            {
                bool numeric = digits.TrimStart('-', '+').Length > 0 && digits.TrimStart('-', '+').All(char.IsAsciiDigit);
                throw Fail(numeric
                    ? $"shape dimension {digits} is too large"
                    : $"expected an integer dimension in 'shape' at offset {start} of the header");
            }
            if (value < 0) throw Fail($"shape has a negative dimension ({value})");
            return value;
        }

        private bool TryWord(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            int end = _pos + word.Length;
            if (end < text.Length && char.IsAsciiLetterOrDigit(text[end])) return false;
            _pos = end;
            return true;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                string found = _pos < text.Length ? $"'{text[_pos]}'" : "the end of the header";
                throw Fail($"header is not a valid dictionary: expected '{c}' at offset {_pos}, found {found}");
            }
            _pos++;
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\n' or '\r') _pos++;
        }

        private NpyFormatException Fail(string problem) => new(file, problem);
    }
}
