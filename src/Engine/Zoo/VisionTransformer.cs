using EdgeAgent.Engine.Onnx;
using EdgeAgent.Engine.Onnx.Proto;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// A ViT-Tiny-class classifier (patch 16, width 192, 3 heads, 12 pre-norm blocks, MLP 768) written
/// the way exporters write one at opset 17: a strided Conv patch embedding flattened and
/// transposed to tokens, a class token expanded to the batch (Shape → Concat → Expand), learned
/// position embeddings, LayerNormalization, one fused Q/K/V MatMul split by Reshape, Transpose and
/// Gather, scaled dot-product attention (MatMul, Mul by 1/√d, Softmax, MatMul), Erf-based GELU,
/// residual adds, and the class token's features into a Gemm head. Input "input" [N,3,224,224],
/// output "logits" [N,1000].
/// </summary>
internal static class VisionTransformer
{
    private const int Patch = 16, Width = 192, Heads = 3, Depth = 12, Hidden = 768, Classes = 1000;
    private const int Tokens = 224 / Patch * (224 / Patch) + 1;
    private const int HeadWidth = Width / Heads;

    public static ModelProto Tiny(int seed)
    {
        var g = new ZooGraph("vit_tiny", seed);
        var b = g.Builder;
        b.Input("input", DataType.Float32, "N", 3, 224, 224).Output("logits", DataType.Float32, "N", Classes);

        string patches = g.Conv("patch_embed.proj", "input", 3, Width, Patch, Patch, 0, bias: g.Uniform(Width, -0.05, 0.05), gain: ZooGraph.LinearGain);
        // x.flatten(2).transpose(1, 2): [N, 192, 14, 14] -> [N, 196, 192].
        string flat = b.Op("Reshape", "patch_embed.flatten", [patches, b.Initializer("patch_embed.shape", new long[] { 0, Width, -1 }, 3)]);
        string tokens = b.Op("Transpose", "patch_embed.transpose", [flat], OnnxAttr.Ints("perm", 0, 2, 1));

        // cls_token.expand(N, -1, -1), as traced: the batch size from Shape, then Expand.
        string batch = b.Op("Shape", "cls.batch", [tokens], OnnxAttr.Int("start", 0), OnnxAttr.Int("end", 1));
        string clsShape = b.Op("Concat", "cls.shape", [batch, b.Initializer("cls.rest", new long[] { 1, Width }, 2)], OnnxAttr.Int("axis", 0));
        string cls = b.Op("Expand", "cls.expand", [b.Initializer("cls_token", g.Uniform(Width, -0.02, 0.02), 1, 1, Width), clsShape]);
        string x = b.Op("Concat", "cls.concat", [cls, tokens], OnnxAttr.Int("axis", 1));
        x = b.Op("Add", "pos_embed.add", [x, b.Initializer("pos_embed", g.Uniform(Tokens * Width, -0.02, 0.02), 1, Tokens, Width)]);

        string scale = b.Initializer("attn.scale", [1f / MathF.Sqrt(HeadWidth)]);
        string half = b.Initializer("gelu.half", [0.5f]), one = b.Initializer("gelu.one", [1f]), invSqrt2 = b.Initializer("gelu.inv_sqrt2", [1f / MathF.Sqrt(2f)]);
        string qkvShape = b.Initializer("attn.qkv_shape", new long[] { 0, 0, 3, Heads, HeadWidth }, 5);
        string mergeShape = b.Initializer("attn.merge_shape", new long[] { 0, 0, Width }, 3);
        string[] which = [b.Initializer("attn.q_index", Tensor.FromLongs([0])), b.Initializer("attn.k_index", Tensor.FromLongs([1])), b.Initializer("attn.v_index", Tensor.FromLongs([2]))];
        for (int i = 0; i < Depth; i++)
        {
            string p = $"blocks.{i}";
            // Attention: LayerNorm, fused Q/K/V projection, heads split out, softmax(QKᵀ/√d)V, heads merged, projection.
            string h = g.LayerNorm($"{p}.norm1", x, Width, 1e-6f);
            string qkv = g.Linear($"{p}.attn.qkv", h, Width, 3 * Width, ZooGraph.LinearGain);
            string heads = b.Op("Transpose", $"{p}.attn.permute", [b.Op("Reshape", $"{p}.attn.reshape", [qkv, qkvShape])], OnnxAttr.Ints("perm", 2, 0, 3, 1, 4));
            string q = b.Op("Gather", $"{p}.attn.q", [heads, which[0]], OnnxAttr.Int("axis", 0));
            string k = b.Op("Gather", $"{p}.attn.k", [heads, which[1]], OnnxAttr.Int("axis", 0));
            string v = b.Op("Gather", $"{p}.attn.v", [heads, which[2]], OnnxAttr.Int("axis", 0));
            string kt = b.Op("Transpose", $"{p}.attn.kt", [k], OnnxAttr.Ints("perm", 0, 1, 3, 2));
            string scores = b.Op("Mul", $"{p}.attn.scale", [b.Op("MatMul", $"{p}.attn.qk", [q, kt]), scale]);
            string attn = b.Op("Softmax", $"{p}.attn.softmax", [scores], OnnxAttr.Int("axis", -1));
            string context = b.Op("Transpose", $"{p}.attn.merge", [b.Op("MatMul", $"{p}.attn.av", [attn, v])], OnnxAttr.Ints("perm", 0, 2, 1, 3));
            string merged = b.Op("Reshape", $"{p}.attn.merge_reshape", [context, mergeShape]);
            x = g.Add($"{p}.attn.residual", x, g.Linear($"{p}.attn.proj", merged, Width, Width, ZooGraph.ResidualGain(2 * Depth)));

            // MLP with exact (Erf) GELU.
            string m = g.Linear($"{p}.mlp.fc1", g.LayerNorm($"{p}.norm2", x, Width, 1e-6f), Width, Hidden, ZooGraph.ActivatedGain);
            string erf = b.Op("Erf", $"{p}.mlp.erf", [b.Op("Mul", $"{p}.mlp.scale", [m, invSqrt2])]);
            string gelu = b.Op("Mul", $"{p}.mlp.gelu", [b.Op("Mul", $"{p}.mlp.half", [m, half]), b.Op("Add", $"{p}.mlp.erf1", [erf, one])]);
            x = g.Add($"{p}.mlp.residual", x, g.Linear($"{p}.mlp.fc2", gelu, Hidden, Width, ZooGraph.ResidualGain(2 * Depth)));
        }
        x = g.LayerNorm("norm", x, Width, 1e-6f);
        string features = b.Op("Gather", "head.cls", [x, b.Initializer("head.cls_index", Tensor.FromLongs([0]))], OnnxAttr.Int("axis", 1));
        double bound = 1 / Math.Sqrt(Width);
        string w = b.Initializer("head.weight", g.Uniform(Classes * Width, -bound, bound), Classes, Width);
        string bias = b.Initializer("head.bias", g.Uniform(Classes, -bound, bound), Classes);
        b.Op("Gemm", "logits", [features, w, bias], OnnxAttr.Float("alpha", 1f), OnnxAttr.Float("beta", 1f), OnnxAttr.Int("transB", 1));
        return g.Build();
    }
}
