using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// A small hybrid conv-attention classifier in the MobileViT pattern, as exporters write it: a
/// strided conv stem, then MobileViT blocks that mix local features with a 3×3 and a 1×1 conv,
/// unfold the map into 2×2 patches (Reshape/Transpose to [N·4, tokens, d]), run pre-norm
/// transformer layers over each patch position's tokens, fold back, project with a 1×1 conv,
/// concatenate with the block's input and fuse with a 3×3 conv; global pooling and a Gemm head.
/// Input "input" [1,3,128,128], output "logits" [1,1000] (batch 1: the unfold's shapes are fixed).
/// </summary>
internal static class MobileVit
{
    private const int Classes = 1000, Patch = 2;

    public static ModelProto Small(int seed)
    {
        var g = new ZooGraph("mobilevit_s", seed);
        var b = g.Builder;
        b.Input("input", DataType.Float32, 1, 3, 128, 128).Output("logits", DataType.Float32, 1, Classes);
        string x = ConvBnSilu(g, "stem", "input", 3, 16, 3, 2);                 // 64x64
        x = ConvBnSilu(g, "layer1", x, 16, 32, 3, 2);                           // 32x32
        x = Block(g, "layer2", x, 32, 64, 32, layers: 2);
        x = ConvBnSilu(g, "layer3.down", x, 32, 64, 3, 2);                      // 16x16
        x = Block(g, "layer3", x, 64, 96, 16, layers: 2);
        x = ConvBnSilu(g, "head.conv", x, 64, 256, 1, 1);
        g.Classifier("head.pool", "head.fc", x, 256, Classes, "logits");
        return g.Build();
    }

    private static string ConvBnSilu(ZooGraph g, string name, string x, int inC, int outC, int kernel, int stride) =>
        g.Silu($"{name}.act", g.BatchNorm($"{name}.bn", g.Conv($"{name}.conv", x, inC, outC, kernel, stride, kernel / 2, gain: ZooGraph.SiluGain), outC));

    /// <summary>One MobileViT block on a [1, c, size, size] map with transformer width d.</summary>
    private static string Block(ZooGraph g, string name, string input, int c, int d, int size, int layers)
    {
        var b = g.Builder;
        string local = ConvBnSilu(g, $"{name}.local3x3", input, c, c, 3, 1);
        string y = g.Conv($"{name}.local1x1", local, c, d, 1, 1, 0, gain: ZooGraph.LinearGain);
        int n = size / Patch, tokens = n * n, positions = Patch * Patch;
        // Unfold: [1, d, n, 2, n, 2] -> [1, 2, 2, n, n, d] -> [4, n*n, d].
        string u = b.Op("Reshape", $"{name}.unfold.split", [y, b.Initializer($"{name}.unfold.shape6", new long[] { 1, d, n, Patch, n, Patch }, 6)]);
        u = b.Op("Transpose", $"{name}.unfold.permute", [u], OnnxAttr.Ints("perm", 0, 3, 5, 2, 4, 1));
        string t = b.Op("Reshape", $"{name}.unfold.tokens", [u, b.Initializer($"{name}.unfold.shape3", new long[] { positions, tokens, d }, 3)]);
        for (int i = 0; i < layers; i++) t = TransformerLayer(g, $"{name}.transformer.{i}", t, d, positions, tokens);
        t = g.LayerNorm($"{name}.transformer.norm", t, d, 1e-5f);
        // Fold: the inverse permutation back to [1, d, size, size].
        string f = b.Op("Reshape", $"{name}.fold.split", [t, b.Initializer($"{name}.fold.shape6", new long[] { 1, Patch, Patch, n, n, d }, 6)]);
        f = b.Op("Transpose", $"{name}.fold.permute", [f], OnnxAttr.Ints("perm", 0, 5, 3, 1, 4, 2));
        f = b.Op("Reshape", $"{name}.fold.map", [f, b.Initializer($"{name}.fold.shape4", new long[] { 1, d, size, size }, 4)]);
        string projected = ConvBnSilu(g, $"{name}.proj", f, d, c, 1, 1);
        string joined = g.Concat($"{name}.concat", [input, projected]);
        return ConvBnSilu(g, $"{name}.fusion", joined, 2 * c, c, 3, 1);
    }

    /// <summary>Pre-norm attention (2 heads) and MLP (2d, SiLU) over [positions, tokens, d].</summary>
    private static string TransformerLayer(ZooGraph g, string name, string x, int d, int positions, int tokens)
    {
        var b = g.Builder;
        const int heads = 2;
        int hd = d / heads;
        string qkv = g.Linear($"{name}.qkv", g.LayerNorm($"{name}.norm1", x, d, 1e-5f), d, 3 * d, ZooGraph.LinearGain);
        string split = b.Op("Transpose", $"{name}.heads", [b.Op("Reshape", $"{name}.qkv.reshape", [qkv, b.Initializer($"{name}.qkv.shape", new long[] { positions, tokens, 3, heads, hd }, 5)])],
            OnnxAttr.Ints("perm", 2, 0, 3, 1, 4));
        string[] qkvParts = ["q", "k", "v"];
        var parts = qkvParts.Select((part, i) => b.Op("Gather", $"{name}.{part}", [split, b.Initializer($"{name}.{part}.index", Tensor.FromLongs([i]))], OnnxAttr.Int("axis", 0))).ToArray();
        string kt = b.Op("Transpose", $"{name}.kt", [parts[1]], OnnxAttr.Ints("perm", 0, 1, 3, 2));
        string scores = b.Op("Mul", $"{name}.scale", [b.Op("MatMul", $"{name}.qk", [parts[0], kt]), b.Initializer($"{name}.scale.value", [1f / MathF.Sqrt(hd)])]);
        string attn = b.Op("Softmax", $"{name}.softmax", [scores], OnnxAttr.Int("axis", -1));
        string context = b.Op("Transpose", $"{name}.merge", [b.Op("MatMul", $"{name}.av", [attn, parts[2]])], OnnxAttr.Ints("perm", 0, 2, 1, 3));
        string merged = b.Op("Reshape", $"{name}.merge.reshape", [context, b.Initializer($"{name}.merge.shape", new long[] { positions, tokens, d }, 3)]);
        x = g.Add($"{name}.attn.residual", x, g.Linear($"{name}.proj", merged, d, d, ZooGraph.ResidualGain(4)));
        string hidden = g.Silu($"{name}.mlp.act", g.Linear($"{name}.mlp.fc1", g.LayerNorm($"{name}.norm2", x, d, 1e-5f), d, 2 * d, ZooGraph.SiluGain));
        return g.Add($"{name}.mlp.residual", x, g.Linear($"{name}.mlp.fc2", hidden, 2 * d, d, ZooGraph.ResidualGain(4)));
    }
}
