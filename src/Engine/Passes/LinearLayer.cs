using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Passes;

/// <summary>
/// A convolution or Gemm with constant weights whose output can absorb a per-output-channel
/// affine map y -> y * scale + shift (BatchNormalization, Mul/Add by per-channel constants).
/// New weights are always new initializers, so weights shared with other nodes stay intact.
/// </summary>
public sealed class LinearLayer
{
    private readonly ModelGraph _graph;

    private LinearLayer(ModelGraph graph, Node node, Tensor weights, int channels, Kind kind)
    {
        _graph = graph;
        Node = node;
        Weights = weights;
        Channels = channels;
        LayerKind = kind;
    }

    private enum Kind { Conv, ConvTranspose, Gemm }

    public Node Node { get; }
    public Tensor Weights { get; }
    public int Channels { get; }
    private Kind LayerKind { get; }

    /// <summary>
    /// The layer producing <paramref name="value"/>, when it is a conv/Gemm with constant float
    /// weights, no activation or residual yet, and <paramref name="value"/> has one reader.
    /// </summary>
    public static LinearLayer? Producing(ModelGraph graph, Value value)
    {
        if (value.Producer is not { } node || GraphEdits.SingleConsumer(value) is null) return null;
        if (GraphEdits.ConstantOf(node.Input(1)) is not { Type: DataType.Float32 } w) return null;
        if (node.Input(2) is { } b && GraphEdits.ConstantOf(b) is null) return null;
        bool fusedPlain = node.Domain == FusedOps.Domain && Activation.FromAttributes(node).Kind == ActivationKind.None && !node.HasInput(3);
        int group = (int)node.GetInt("group", 1);
        if ((GraphEdits.IsOp(node, "Conv") || fusedPlain && node.OpType == FusedOps.FusedConv && node.GetInt("transposed", 0) == 0) && w.Rank >= 3)
            return new LinearLayer(graph, node, w, w.Shape[0], Kind.Conv);
        if ((GraphEdits.IsOp(node, "ConvTranspose") || fusedPlain && node.OpType == FusedOps.FusedConv && node.GetInt("transposed", 0) != 0) && w.Rank >= 3)
            return new LinearLayer(graph, node, w, w.Shape[1] * group, Kind.ConvTranspose);
        if ((GraphEdits.IsOp(node, "Gemm") || fusedPlain && node.OpType == FusedOps.FusedGemm) && w.Rank == 2)
        {
            int n = node.GetInt("transB", 0) != 0 ? w.Shape[0] : w.Shape[1];
            // The bias must be per output column (or absent) to stay a bias after folding.
            if (node.Input(2) is { } c && !(c.Constant!.Length == n || c.Constant.Length == 1)) return null;
            return new LinearLayer(graph, node, w, n, Kind.Gemm);
        }
        return null;
    }

    /// <summary>The bias per output channel (zeros when absent), with Gemm's beta applied.</summary>
    public float[] Bias()
    {
        var bias = new float[Channels];
        if (GraphEdits.ConstantOf(Node.Input(2)) is { } b)
        {
            var values = b.ToFloats();
            float beta = LayerKind == Kind.Gemm ? Node.GetFloat("beta", 1f) : 1f;
            for (int c = 0; c < Channels; c++) bias[c] = beta * values[values.Length == 1 ? 0 : c];
        }
        return bias;
    }

    /// <summary>Replaces the layer by y * scale + shift per output channel.</summary>
    public void Apply(float[] scale, float[] shift)
    {
        var w = (float[])Weights.Floats.Clone();
        int group = (int)Node.GetInt("group", 1);
        switch (LayerKind)
        {
            case Kind.Conv:
            {
                int block = w.Length / Channels;
                for (int c = 0; c < Channels; c++)
                    for (int i = 0; i < block; i++) w[c * block + i] *= scale[c];
                break;
            }
            case Kind.ConvTranspose:
            {
                int cin = Weights.Shape[0], perGroup = Weights.Shape[1], kernel = w.Length / (cin * perGroup);
                int cinPerGroup = cin / group;
                for (int ic = 0; ic < cin; ic++)
                    for (int j = 0; j < perGroup; j++)
                    {
                        float s = scale[ic / cinPerGroup * perGroup + j];
                        for (int k = 0; k < kernel; k++) w[(ic * perGroup + j) * kernel + k] *= s;
                    }
                break;
            }
            case Kind.Gemm:
            {
                bool transB = Node.GetInt("transB", 0) != 0;
                int rows = Weights.Shape[0], cols = Weights.Shape[1];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++) w[r * cols + c] *= scale[transB ? r : c];
                break;
            }
        }
        var bias = Bias();
        for (int c = 0; c < Channels; c++) bias[c] = bias[c] * scale[c] + shift[c];
        Node.Inputs[1] = GraphEdits.NewInitializer(_graph, $"{Node.DisplayName}.weight", new Tensor(DataType.Float32, Weights.Shape, w));
        while (Node.Inputs.Count < 3) Node.Inputs.Add(null);
        Node.Inputs[2] = GraphEdits.NewInitializer(_graph, $"{Node.DisplayName}.bias", Tensor.FromFloats(bias, Channels));
        if (LayerKind == Kind.Gemm) Node.SetAttribute(NodeAttribute.Of("beta", 1f));
        _graph.RebuildLinks();
    }

    /// <summary>
    /// Per-channel values of a constant that broadcasts against this layer's output only along
    /// the channel axis (axis 1 of a conv output, the last axis of a Gemm output); null otherwise.
    /// </summary>
    public float[]? PerChannel(Tensor constant, int outputRank)
    {
        if (constant.Type != DataType.Float32 || constant.Rank > outputRank) return null;
        int channelAxis = LayerKind == Kind.Gemm ? outputRank - 1 : 1;
        int axisInConstant = channelAxis - (outputRank - constant.Rank);
        for (int d = 0; d < constant.Rank; d++)
            if (constant.Shape[d] != 1 && (d != axisInConstant || constant.Shape[d] != Channels)) return null;
        var values = constant.Floats;
        return Enumerable.Range(0, Channels).Select(c => values.Length == 1 ? values[0] : values[c]).ToArray();
    }
}
