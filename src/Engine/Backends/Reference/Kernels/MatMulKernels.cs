using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>MatMul (NumPy semantics, batched with broadcasting) and Gemm.</summary>
internal static class MatMulKernels
{
    /// <summary>C[m,:] += A[m,k] * B[k,:] row by row, parallel over rows of C.</summary>
    private static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * n, n);
            for (int p = 0; p < k; p++) TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), a[i * k + p], row, row);
        }
    }

    public static Tensor[] MatMul(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        if (a.Rank == 0 || b.Rank == 0) throw node.Fail("MatMul inputs must have rank 1 or more");
        var aShape = a.Rank == 1 ? new[] { 1, a.Shape[0] } : a.Shape;
        var bShape = b.Rank == 1 ? new[] { b.Shape[0], 1 } : b.Shape;
        int m = aShape[^2], k = aShape[^1], n = bShape[^1];
        if (bShape[^2] != k) throw node.Fail($"inner dimensions differ: {a.ShapeText()} times {b.ShapeText()}");
        var batch = BinaryKernels.BroadcastShape(node, aShape[..^2], bShape[..^2]);
        var aIndex = Strides.BroadcastIndex(batch, aShape[..^2]);
        var bIndex = Strides.BroadcastIndex(batch, bShape[..^2]);
        var fa = node.FloatsOf(a);
        var fb = node.FloatsOf(b);
        var dst = new float[aIndex.Length * m * n];
        Parallel.For(0, aIndex.Length * m, job =>
        {
            int bi = job / m, row = job % m;
            Multiply(fa.AsSpan((aIndex[bi] * m + row) * k, k), fb.AsSpan(bIndex[bi] * k * n, k * n),
                dst.AsSpan((bi * m + row) * n, n), 1, k, n);
        });
        var shape = batch.ToList();
        if (a.Rank > 1) shape.Add(m);
        if (b.Rank > 1) shape.Add(n);
        return [new Tensor(DataType.Float32, shape.ToArray(), dst)];
    }

    public static Tensor[] Gemm(Node node, Tensor?[] inputs)
    {
        var a = node.Required(inputs, 0);
        var b = node.Required(inputs, 1);
        var c = KernelArgs.Optional(inputs, 2);
        if (a.Rank != 2 || b.Rank != 2) throw node.Fail($"Gemm needs 2-D inputs, got {a.ShapeText()} and {b.ShapeText()}");
        bool ta = node.GetInt("transA", 0) != 0, tb = node.GetInt("transB", 0) != 0;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        var fa = ta ? Transpose2D(node.FloatsOf(a), a.Shape[0], a.Shape[1]) : node.FloatsOf(a);
        var fb = tb ? Transpose2D(node.FloatsOf(b), b.Shape[0], b.Shape[1]) : node.FloatsOf(b);
        int m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        int kb = tb ? b.Shape[1] : b.Shape[0], n = tb ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw node.Fail($"inner dimensions differ: {a.ShapeText()} times {b.ShapeText()} (transA={ta}, transB={tb})");
        var dst = new float[m * n];
        Parallel.For(0, m, row => Multiply(fa.AsSpan(row * k, k), fb, dst.AsSpan(row * n, n), 1, k, n));
        if (alpha != 1f) TensorPrimitives.Multiply(dst, alpha, dst);
        if (c is not null && beta != 0f)
        {
            var shape = new[] { m, n };
            BinaryKernels.BroadcastShape(node, shape, c.Shape);
            var ci = Strides.BroadcastIndex(shape, c.Shape);
            var fc = node.FloatsOf(c);
            for (int i = 0; i < dst.Length; i++) dst[i] += beta * fc[ci[i]];
        }
        return [new Tensor(DataType.Float32, [m, n], dst)];
    }

    private static float[] Transpose2D(float[] src, int rows, int cols)
    {
        var dst = new float[src.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        return dst;
    }
}
