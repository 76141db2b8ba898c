using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>
/// Reference kernels of the optimizer's fused ops: the unfused computation done in the same
/// order (product, bias, residual, activation), so an optimized graph must reproduce the
/// original outputs up to float rounding.
/// </summary>
internal static class FusedKernels
{
    public static Tensor[] FusedConv(Node node, Tensor?[] inputs)
    {
        var core = new[] { KernelArgs.Optional(inputs, 0), KernelArgs.Optional(inputs, 1), KernelArgs.Optional(inputs, 2) };
        var y = node.GetInt("transposed", 0) != 0 ? ConvKernels.ConvTranspose(node, core)[0] : ConvKernels.Conv(node, core)[0];
        return [Epilogue(node, y, KernelArgs.Optional(inputs, 3))];
    }

    public static Tensor[] FusedGemm(Node node, Tensor?[] inputs) =>
        [Epilogue(node, MatMulKernels.Gemm(node, inputs)[0], null)];

    public static Tensor[] FusedMatMul(Node node, Tensor?[] inputs)
    {
        var y = MatMulKernels.MatMul(node, [KernelArgs.Optional(inputs, 0), KernelArgs.Optional(inputs, 1)])[0];
        if (KernelArgs.Optional(inputs, 2) is { } bias)
        {
            var map = Strides.BroadcastIndex(y.Shape, bias.Shape);
            var b = node.FloatsOf(bias);
            var data = y.Floats;
            for (int i = 0; i < data.Length; i++) data[i] += b[map[i]];
        }
        return [Epilogue(node, y, null)];
    }

    /// <summary>
    /// Adds the residual and applies the activation, in the order the node asks for, then the
    /// post-epilogue affine (post_scale, post_shift); works in place on a fresh tensor.
    /// </summary>
    private static Tensor Epilogue(Node node, Tensor y, Tensor? residual)
    {
        var activation = Activation.FromAttributes(node);
        bool activationFirst = node.GetInt("activation_first", 0) != 0;
        var data = y.Floats;
        var res = residual is null ? null : node.FloatsOf(residual);
        var map = residual is null ? null : Strides.BroadcastIndex(y.Shape, residual.Shape);
        float scale = node.GetFloat("post_scale", 1f), shift = node.GetFloat("post_shift", 0f);
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (res is null) v = activation.Apply(v);
            else v = activationFirst ? activation.Apply(v) + res[map![i]] : activation.Apply(v + res[map![i]]);
            data[i] = v * scale + shift;
        }
        return y;
    }

    public static Tensor[] Silu(Node n, Tensor?[] i) => UnaryKernels.Map(n, i, new Activation(ActivationKind.Silu).Apply);
}
