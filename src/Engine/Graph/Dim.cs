using System.Globalization;

namespace EdgeAgent.Engine.Graph;

/// <summary>
/// One tensor dimension: a known size, a symbol (a name from the model such as <c>N</c> or
/// <c>height</c>, or an expression over symbols such as <c>(H-1)/2+1</c>), or unknown.
/// Arithmetic on symbols builds expression text, so two dimensions derived the same way from
/// the same symbol compare equal, which is what broadcasting and Concat checks need.
/// </summary>
public readonly record struct Dim
{
    public long? Value { get; }
    public string? Symbol { get; }

    private Dim(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    public static Dim Known(long value) => new(value, null);
    public static Dim Sym(string symbol) => new(null, symbol);
    public static readonly Dim Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static implicit operator Dim(long value) => Known(value);

    public override string ToString() => Value?.ToString(CultureInfo.InvariantCulture) ?? Symbol ?? "?";

    /// <summary>True when both dimensions are certainly the same size.</summary>
    public bool SameAs(Dim other) =>
        (IsKnown && other.IsKnown && Value == other.Value) || (IsSymbolic && other.IsSymbolic && Symbol == other.Symbol);

    public static Dim operator +(Dim a, Dim b)
    {
        if (a.IsKnown && b.IsKnown) return Known(a.Value!.Value + b.Value!.Value);
        if (a.IsKnown && a.Value == 0) return b;
        if (b.IsKnown && b.Value == 0) return a;
        if (a.Symbol is null || (b.Symbol is null && !b.IsKnown)) return Unknown;
        if (b.IsKnown) return Sym(WithOffset(a.Symbol, b.Value!.Value));
        return Sym($"{a.Symbol}+{Wrap(b.Symbol!)}");
    }

    public static Dim operator -(Dim a, Dim b)
    {
        if (b.IsKnown) return a + Known(-b.Value!.Value);
        if (a.IsKnown && b.IsKnown) return Known(a.Value!.Value - b.Value!.Value);
        if (a.IsSymbolic && b.IsSymbolic && a.Symbol == b.Symbol) return Known(0);
        if (a.Symbol is null && !a.IsKnown || b.Symbol is null) return Unknown;
        return Sym($"{Wrap(a.ToString())}-{Wrap(b.Symbol)}");
    }

    public static Dim operator *(Dim a, Dim b)
    {
        if (a.IsKnown && b.IsKnown) return Known(a.Value!.Value * b.Value!.Value);
        if (a.IsKnown && a.Value == 1) return b;
        if (b.IsKnown && b.Value == 1) return a;
        if ((a.IsKnown && a.Value == 0) || (b.IsKnown && b.Value == 0)) return Known(0);
        if ((!a.IsKnown && !a.IsSymbolic) || (!b.IsKnown && !b.IsSymbolic)) return Unknown;
        return Sym($"{Wrap(a.ToString())}*{Wrap(b.ToString())}");
    }

    /// <summary>Floor division, as shape arithmetic in exported graphs uses it.</summary>
    public static Dim operator /(Dim a, Dim b)
    {
        if (a.IsKnown && b.IsKnown && b.Value != 0) return Known(FloorDiv(a.Value!.Value, b.Value!.Value));
        if (b.IsKnown && b.Value == 1) return a;
        if ((!a.IsKnown && !a.IsSymbolic) || (!b.IsKnown && !b.IsSymbolic)) return Unknown;
        return Sym($"{Wrap(a.ToString())}/{Wrap(b.ToString())}");
    }

    public static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }

    /// <summary>Adds a constant to an expression, merging it with a trailing top-level constant ("H-1" + 1 is "H").</summary>
    private static string WithOffset(string expression, long offset)
    {
        int depth = 0, split = -1;
        for (int i = expression.Length - 1; i > 0 && split < 0; i--)
        {
            char c = expression[i];
            if (c == ')') depth++;
            else if (c == '(') depth--;
            else if (depth == 0 && c is '+' or '-' or '*' or '/') split = i;
        }
        if (split > 0 && expression[split] is '+' or '-' &&
            long.TryParse(expression.AsSpan(split), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long tail))
        {
            expression = expression[..split];
            offset += tail;
        }
        return offset == 0 ? expression : offset < 0 ? $"{expression}-{-offset}" : $"{expression}+{offset}";
    }

    private static string Wrap(string expression) =>
        expression.IndexOfAny(['+', '-', '*', '/']) > 0 ? $"({expression})" : expression;
}
