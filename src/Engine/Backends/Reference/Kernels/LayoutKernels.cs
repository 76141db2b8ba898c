using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference.Kernels;

/// <summary>Ops that only move or re-label data: reshape family, transpose, slice, concat, split, gather, expand, pad, tile, depth/space, Trilu, ReverseSequence, CenterCropPad.</summary>
internal static class LayoutKernels
{
    public static Tensor[] Reshape(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var target = node.Required(inputs, 1).ToLongs();
        bool allowZero = node.GetInt("allowzero", 0) != 0;
        var shape = new int[target.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Rank) throw node.Fail($"target shape [{string.Join(",", target)}] copies dimension {i} of {x.ShapeText()}");
                d = x.Shape[i];
            }
            if (d == -1)
            {
                if (infer >= 0) throw node.Fail($"target shape [{string.Join(",", target)}] has more than one -1");
                infer = i;
                continue;
            }
            if (d < 0 || d > int.MaxValue) throw node.Fail($"target shape [{string.Join(",", target)}] has an invalid dimension");
            shape[i] = (int)d;
            known *= d;
        }
        if (infer >= 0)
        {
            if (known == 0 || x.Length % known != 0) throw node.Fail($"cannot reshape {x.ShapeText()} to [{string.Join(",", target)}]");
            shape[infer] = (int)(x.Length / known);
        }
        if (Tensor.ElementCount(shape) != x.Length)
            throw node.Fail($"cannot reshape {x.ShapeText()} ({x.Length} elements) to {Tensor.ShapeText(shape)}");
        return [x.Reshape(shape)];
    }

    public static Tensor[] Flatten(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        long a = node.GetInt("axis", 1);
        int axis = (int)(a < 0 ? a + x.Rank : a);
        if (axis < 0 || axis > x.Rank) throw node.Fail($"axis {a} is out of range for rank {x.Rank}");
        return [x.Reshape(Strides.Product(x.Shape.AsSpan(0, axis)), Strides.Product(x.Shape.AsSpan(axis)))];
    }

    public static Tensor[] Squeeze(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var axesTensor = KernelArgs.Optional(inputs, 1);
        var axes = axesTensor is null
            ? Enumerable.Range(0, x.Rank).Where(i => x.Shape[i] == 1).ToHashSet()
            : axesTensor.ToLongs().Select(a => node.Axis(a, x.Rank)).ToHashSet();
        foreach (int a in axes)
            if (x.Shape[a] != 1) throw node.Fail($"cannot squeeze axis {a} of {x.ShapeText()}");
        return [x.Reshape(x.Shape.Where((_, i) => !axes.Contains(i)).ToArray())];
    }

    public static Tensor[] Unsqueeze(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var given = node.Required(inputs, 1).ToLongs();
        int rank = x.Rank + given.Length;
        var axes = given.Select(a => node.Axis(a, rank)).ToHashSet();
        if (axes.Count != given.Length) throw node.Fail("axes repeat");
        var shape = new int[rank];
        int next = 0;
        for (int i = 0; i < rank; i++) shape[i] = axes.Contains(i) ? 1 : x.Shape[next++];
        return [x.Reshape(shape)];
    }

    public static Tensor[] Transpose(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        return [Permute(x, LayoutShapes.ResolvePerm(node, x.Rank))];
    }

    /// <summary>Transpose's semantics: output axis d is input axis perm[d].</summary>
    public static Tensor Permute(Tensor x, int[] perm)
    {
        var outShape = perm.Select(p => x.Shape[p]).ToArray();
        var inStrides = Strides.Of(x.Shape);
        var map = new int[x.Length];
        if (map.Length > 0)
        {
            var index = new int[x.Rank];
            int o = 0;
            do
            {
                int p = 0;
                for (int d = 0; d < perm.Length; d++) p += index[d] * inStrides[perm[d]];
                map[o++] = p;
            } while (Strides.Next(index, outShape));
        }
        return Gathering.Take(x, outShape, map);
    }

    public static Tensor[] Slice(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var starts = node.Required(inputs, 1).ToLongs();
        var ends = node.Required(inputs, 2).ToLongs();
        var axes = KernelArgs.Optional(inputs, 3)?.ToLongs() ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = KernelArgs.Optional(inputs, 4)?.ToLongs() ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw node.Fail("starts, ends, axes and steps must have the same length");
        var maps = x.Shape.Select(d => Enumerable.Range(0, d).ToArray()).ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = node.Axis(axes[i], x.Rank);
            if (steps[i] == 0) throw node.Fail("a slice step cannot be 0");
            var (start, count) = LayoutShapes.SliceRange(starts[i], ends[i], steps[i], x.Shape[axis]);
            long step = steps[i];
            maps[axis] = Enumerable.Range(0, count).Select(k => (int)(start + k * step)).ToArray();
        }
        return [Gathering.Take(x, maps.Select(m => m.Length).ToArray(), Gathering.AxisMap(x.Shape, maps))];
    }

    public static Tensor[] Expand(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var target = node.Required(inputs, 1).ToLongs();
        if (target.Any(d => d < 0 || d > int.MaxValue)) throw node.Fail($"invalid shape [{string.Join(",", target)}]");
        var shape = BinaryKernels.BroadcastShape(node, x.Shape, target.Select(d => (int)d).ToArray());
        return [Gathering.Take(x, shape, Strides.BroadcastIndex(shape, x.Shape))];
    }

    public static Tensor[] Concat(Node node, Tensor?[] inputs)
    {
        var parts = inputs.Select((t, i) => t ?? throw node.Fail($"input {i} is missing")).ToArray();
        var first = parts[0];
        int axis = node.Axis(node.GetInt("axis", 0), first.Rank);
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        foreach (var p in parts)
        {
            if (p.Rank != first.Rank || p.Type != first.Type || Enumerable.Range(0, p.Rank).Any(d => d != axis && p.Shape[d] != first.Shape[d]))
                throw node.Fail($"inputs {first} and {p} cannot be concatenated on axis {axis}");
            shape[axis] += p.Shape[axis];
        }
        var result = Tensor.Zeros(first.Type, shape);
        int outer = Strides.Product(shape.AsSpan(0, axis));
        int inner = Strides.Product(shape.AsSpan(axis + 1));
        int offset = 0;
        foreach (var p in parts)
        {
            int block = p.Shape[axis] * inner;
            for (int o = 0; o < outer; o++)
                Array.Copy(p.Data, o * block, result.Data, o * shape[axis] * inner + offset, block);
            offset += block;
        }
        return [result];
    }

    public static Tensor[] Split(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        int axis = node.Axis(node.GetInt("axis", 0), x.Rank);
        int outputs = node.Outputs.Count;
        int total = x.Shape[axis];
        int[] sizes;
        if (KernelArgs.Optional(inputs, 1) is { } split)
        {
            sizes = split.ToLongs().Select(v => (int)v).ToArray();
            if (sizes.Length != outputs || sizes.Sum() != total || sizes.Any(s => s < 0))
                throw node.Fail($"split sizes [{string.Join(",", sizes)}] do not divide {total} into {outputs} parts");
        }
        else
        {
            int chunk = (total + outputs - 1) / outputs;
            sizes = Enumerable.Range(0, outputs).Select(i => Math.Max(0, Math.Min(chunk, total - i * chunk))).ToArray();
        }
        int outer = Strides.Product(x.Shape.AsSpan(0, axis));
        int inner = Strides.Product(x.Shape.AsSpan(axis + 1));
        var results = new Tensor[outputs];
        int offset = 0;
        for (int k = 0; k < outputs; k++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = sizes[k];
            var part = Tensor.Zeros(x.Type, shape);
            int block = sizes[k] * inner;
            for (int o = 0; o < outer; o++) Array.Copy(x.Data, o * total * inner + offset, part.Data, o * block, block);
            offset += block;
            results[k] = part;
        }
        return results;
    }

    public static Tensor[] Gather(Node node, Tensor?[] inputs)
    {
        var data = node.Required(inputs, 0);
        var indicesTensor = node.Required(inputs, 1);
        int axis = node.Axis(node.GetInt("axis", 0), data.Rank);
        int size = data.Shape[axis];
        var indices = indicesTensor.ToLongs();
        var shape = data.Shape.Take(axis).Concat(indicesTensor.Shape).Concat(data.Shape.Skip(axis + 1)).ToArray();
        var result = Tensor.Zeros(data.Type, shape);
        int outer = Strides.Product(data.Shape.AsSpan(0, axis));
        int inner = Strides.Product(data.Shape.AsSpan(axis + 1));
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
            {
                long idx = indices[j] < 0 ? indices[j] + size : indices[j];
                if (idx < 0 || idx >= size) throw node.Fail($"index {indices[j]} is out of range for axis {axis} of size {size}");
                Array.Copy(data.Data, (o * size + idx) * inner, result.Data, (o * indices.Length + j) * inner, inner);
            }
        return [result];
    }

    public static Tensor[] Pad(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var pads = node.Required(inputs, 1).ToLongs();
        var constant = KernelArgs.Optional(inputs, 2);
        var axes = KernelArgs.Optional(inputs, 3)?.ToLongs().Select(a => node.Axis(a, x.Rank)).ToArray() ?? Enumerable.Range(0, x.Rank).ToArray();
        if (pads.Length != 2 * axes.Length) throw node.Fail($"{pads.Length} pads for {axes.Length} axes");
        string mode = node.GetString("mode", "constant");
        var maps = x.Shape.Select(d => Enumerable.Range(0, d).ToArray()).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = axes[i], size = x.Shape[axis];
            int begin = (int)pads[i], end = (int)pads[i + axes.Length];
            int outSize = size + begin + end;
            if (outSize < 0) throw node.Fail($"pads remove more than axis {axis} holds");
            if (mode != "constant" && size == 0 && outSize > 0) throw node.Fail($"cannot {mode}-pad an empty axis");
            maps[axis] = Enumerable.Range(0, outSize).Select(o => SourceIndex(o - begin, size, mode, node)).ToArray();
        }
        object? fill = constant is { Length: > 0 } ? constant.Data.GetValue(0) : null;
        return [Gathering.Take(x, maps.Select(m => m.Length).ToArray(), Gathering.AxisMap(x.Shape, maps), fill)];
    }

    private static int SourceIndex(int i, int size, string mode, Node node)
    {
        if (i >= 0 && i < size) return i;
        return mode switch
        {
            "constant" => -1,
            "edge" => Math.Clamp(i, 0, size - 1),
            "reflect" => Reflect(i, size),
            _ => throw node.Fail($"pad mode '{mode}' is not supported"),
        };
    }

    private static int Reflect(int i, int size)
    {
        if (size == 1) return 0;
        int period = 2 * (size - 1);
        i = ((i % period) + period) % period;
        return i < size ? i : period - i;
    }

    public static Tensor[] Tile(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var repeats = node.Required(inputs, 1).ToLongs();
        if (repeats.Length != x.Rank) throw node.Fail($"{repeats.Length} repeats for a rank-{x.Rank} input");
        if (repeats.Any(r => r < 0)) throw node.Fail($"repeats [{string.Join(",", repeats)}] has a negative count");
        var maps = x.Shape.Select((d, i) => Enumerable.Range(0, (int)(d * repeats[i])).Select(j => j % d).ToArray()).ToArray();
        return [Gathering.Take(x, maps.Select(m => m.Length).ToArray(), Gathering.AxisMap(x.Shape, maps))];
    }

    /// <summary>
    /// DepthToSpace as a reshape to 6-D, a transpose and a reshape back: DCR reads the channel
    /// axis as (block row, block column, channel), CRD as (channel, block row, block column).
    /// </summary>
    public static Tensor[] DepthToSpace(Node node, Tensor?[] inputs)
    {
        var (x, b, n, c, h, w) = BlockInput(node, inputs);
        if (c % (b * b) != 0) throw node.Fail($"{c} channels are not divisible by blocksize² {b * b}");
        int depth = c / (b * b);
        bool crd = node.GetString("mode", "DCR") switch
        {
            "DCR" => false,
            "CRD" => true,
            var other => throw node.Fail($"mode must be DCR or CRD, not '{other}'"),
        };
        var moved = crd
            ? Permute(x.Reshape(n, depth, b, b, h, w), [0, 1, 4, 2, 5, 3])
            : Permute(x.Reshape(n, b, b, depth, h, w), [0, 3, 4, 1, 5, 2]);
        return [moved.Reshape(n, depth, h * b, w * b)];
    }

    /// <summary>SpaceToDepth, DepthToSpace's DCR inverse: each b x b block becomes b² channels.</summary>
    public static Tensor[] SpaceToDepth(Node node, Tensor?[] inputs)
    {
        var (x, b, n, c, h, w) = BlockInput(node, inputs);
        if (h % b != 0 || w % b != 0) throw node.Fail($"{x.ShapeText()} is not divisible into {b}x{b} blocks");
        var moved = Permute(x.Reshape(n, c, h / b, b, w / b, b), [0, 3, 5, 1, 2, 4]);
        return [moved.Reshape(n, c * b * b, h / b, w / b)];
    }

    private static (Tensor X, int B, int N, int C, int H, int W) BlockInput(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        int b = (int)node.GetInt("blocksize", 0);
        if (b < 1) throw node.Fail($"blocksize must be positive, not {b}");
        if (x.Rank != 4) throw node.Fail($"needs a 4-D N x C x H x W input, got {x.ShapeText()}");
        return (x, b, x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
    }

    /// <summary>Trilu: keeps the upper (column - row >= k) or lower (column - row <= k) triangle of the last two axes, zeros elsewhere.</summary>
    public static Tensor[] Trilu(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        if (x.Rank < 2) throw node.Fail($"needs rank 2 or more, got {x.ShapeText()}");
        var kTensor = KernelArgs.Optional(inputs, 1);
        if (kTensor is { Length: not 1 }) throw node.Fail($"k must hold one value, not {kTensor.ShapeText()}");
        long k = kTensor?.ToLongs()[0] ?? 0;
        bool upper = node.GetInt("upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        var map = new int[x.Length];
        for (int i = 0; i < map.Length; i++)
        {
            long diagonal = i % cols - i / cols % rows;
            map[i] = (upper ? diagonal >= k : diagonal <= k) ? i : -1;
        }
        return [Gathering.Take(x, x.Shape, map)];
    }

    /// <summary>ReverseSequence: for each batch b, the first sequence_lens[b] steps along time_axis in reverse order, the rest as they are.</summary>
    public static Tensor[] ReverseSequence(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var lens = node.Required(inputs, 1).ToLongs();
        var (batchAxis, timeAxis) = LayoutShapes.SequenceAxes(node);
        if (x.Rank < 2) throw node.Fail($"needs rank 2 or more, got {x.ShapeText()}");
        int batches = x.Shape[batchAxis], steps = x.Shape[timeAxis];
        if (lens.Length != batches) throw node.Fail($"{lens.Length} sequence lengths for {batches} batches");
        if (lens.Any(l => l < 0 || l > steps)) throw node.Fail($"sequence lengths [{string.Join(",", lens)}] must lie in [0, {steps}]");
        var strides = Strides.Of(x.Shape);
        var map = new int[x.Length];
        if (map.Length > 0)
        {
            var index = new int[x.Rank];
            int o = 0;
            do
            {
                int t = index[timeAxis], length = (int)lens[index[batchAxis]];
                int source = t < length ? length - 1 - t : t;
                map[o] = o + (source - t) * strides[timeAxis];
                o++;
            } while (Strides.Next(index, x.Shape));
        }
        return [Gathering.Take(x, x.Shape, map)];
    }

    /// <summary>CenterCropPad: each axis cropped to a centered window or zero-padded around the input, the odd element going to the end.</summary>
    public static Tensor[] CenterCropPad(Node node, Tensor?[] inputs)
    {
        var x = node.Required(inputs, 0);
        var sizes = node.Required(inputs, 1).ToLongs();
        var axes = LayoutShapes.CropAxes(node, x.Rank);
        if (sizes.Length != axes.Length) throw node.Fail($"{sizes.Length} sizes for {axes.Length} axes");
        var maps = x.Shape.Select(d => Enumerable.Range(0, d).ToArray()).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int size = x.Shape[axes[i]];
            if (sizes[i] < 0 || sizes[i] > int.MaxValue) throw node.Fail($"invalid size {sizes[i]}");
            int target = (int)sizes[i];
            int offset = target <= size ? (size - target) / 2 : -((target - size) / 2);
            maps[axes[i]] = Enumerable.Range(0, target).Select(j => j + offset is var s && s >= 0 && s < size ? s : -1).ToArray();
        }
        return [Gathering.Take(x, maps.Select(m => m.Length).ToArray(), Gathering.AxisMap(x.Shape, maps))];
    }
}
