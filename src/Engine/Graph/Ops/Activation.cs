namespace EdgeAgent.Engine.Graph.Ops;

public enum ActivationKind { None, Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Silu, Gelu }

/// <summary>
/// An element-wise activation fused into a producer's epilogue, with its parameters:
/// Clip (Alpha = min, Beta = max), LeakyRelu (Alpha), HardSigmoid (Alpha, Beta).
/// Stored on fused nodes as the attributes <c>activation</c>, <c>activation_alpha</c>, <c>activation_beta</c>.
/// </summary>
public readonly record struct Activation(ActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    public static readonly Activation None = new(ActivationKind.None);

    public float Apply(float x) => Kind switch
    {
        ActivationKind.None => x,
        ActivationKind.Relu => x > 0 ? x : 0,
        ActivationKind.Clip => MathF.Min(MathF.Max(x, Alpha), Beta),
        ActivationKind.LeakyRelu => x >= 0 ? x : Alpha * x,
        ActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ActivationKind.HardSigmoid => Math.Clamp(Alpha * x + Beta, 0f, 1f),
        ActivationKind.HardSwish => x * Math.Clamp(x / 6f + 0.5f, 0f, 1f),
        ActivationKind.Tanh => MathF.Tanh(x),
        ActivationKind.Silu => x / (1f + MathF.Exp(-x)),
        ActivationKind.Gelu => (float)(0.5 * x * (1 + ErfMath.Erf(x / Math.Sqrt(2)))),
        _ => throw new InvalidOperationException($"unknown activation {Kind}"),
    };

    /// <summary>The activation a standalone node computes, or null when the node is not an activation.</summary>
    public static Activation? FromActivationNode(Node node)
    {
        if (node.Domain is not ("" or FusedOps.Domain)) return null;
        switch (node.OpType)
        {
            case "Relu": return new(ActivationKind.Relu);
            case "Sigmoid": return new(ActivationKind.Sigmoid);
            case "Tanh": return new(ActivationKind.Tanh);
            case "HardSwish": return new(ActivationKind.HardSwish);
            case "LeakyRelu": return new(ActivationKind.LeakyRelu, node.GetFloat("alpha", 0.01f));
            case "HardSigmoid": return new(ActivationKind.HardSigmoid, node.GetFloat("alpha", 0.2f), node.GetFloat("beta", 0.5f));
            case FusedOps.Silu: return new(ActivationKind.Silu);
            case FusedOps.Gelu: return GeluUsesTanh(node) ? null : new(ActivationKind.Gelu);
            case "Clip":
                // Bounds must be constant scalars to become parameters.
                float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
                if (node.Input(1) is { } min) { if (min.Constant is not { Length: 1 } t || t.Type != Tensors.DataType.Float32) return null; lo = t.Floats[0]; }
                if (node.Input(2) is { } max) { if (max.Constant is not { Length: 1 } t || t.Type != Tensors.DataType.Float32) return null; hi = t.Floats[0]; }
                return lo == 0 && float.IsPositiveInfinity(hi) ? new(ActivationKind.Relu) : new(ActivationKind.Clip, lo, hi);
            default: return null;
        }
    }

    /// <summary>
    /// True when a Gelu node (ONNX opset 20) asks for the tanh approximation, false for the erf
    /// form (the default, and the optimizer's Gelu); an error for any other approximation.
    /// </summary>
    public static bool GeluUsesTanh(Node node) => node.GetString("approximate", "none") switch
    {
        "none" => false,
        "tanh" => true,
        var other => throw new ShapeInferenceException($"{node.Describe()}: approximate must be 'none' or 'tanh', not '{other}'"),
    };

    public static Activation FromAttributes(Node node)
    {
        string name = node.GetString("activation", "");
        if (name.Length == 0) return None;
        if (!Enum.TryParse<ActivationKind>(name, out var kind))
            throw new ShapeInferenceException($"{node.Describe()}: unknown activation '{name}'");
        return new(kind, node.GetFloat("activation_alpha", 0), node.GetFloat("activation_beta", 0));
    }

    public void WriteTo(Node node)
    {
        node.SetAttribute(NodeAttribute.Of("activation", Kind == ActivationKind.None ? "" : Kind.ToString()));
        node.SetAttribute(NodeAttribute.Of("activation_alpha", Alpha));
        node.SetAttribute(NodeAttribute.Of("activation_beta", Beta));
    }

    public override string ToString() => Kind switch
    {
        ActivationKind.Clip => $"Clip({Alpha:G},{Beta:G})",
        ActivationKind.LeakyRelu => $"LeakyRelu({Alpha:G})",
        ActivationKind.HardSigmoid => $"HardSigmoid({Alpha:G},{Beta:G})",
        _ => Kind.ToString(),
    };
}
