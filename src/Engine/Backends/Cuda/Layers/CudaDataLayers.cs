using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cuda.Layers;

/// <summary>
/// Concat and Split as pitched row copies: each input (output) block is <c>outer</c> rows of its
/// width, landing at its column offset in the wider tensor. Blocks the memory plan already put
/// in place are skipped, so a fully planned Concat launches nothing.
/// </summary>
internal sealed unsafe class CudaSliceCopyLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly string _kernel;
    private readonly (TensorSlot Slot, DeviceBuffer? Constant, long Width, long Column)[] _parts;
    private readonly TensorSlot _whole;
    private readonly long _rows, _wholeWidth;
    private readonly bool _split;
    private readonly int _unit;
    private nint _function;

    public CudaSliceCopyLayer(CudaBackend backend, LayerSpec spec, bool split) : base(backend)
    {
        _module = backend.Module("elementwise");
        _split = split;
        _whole = split ? spec.Input(0) : spec.Output(0);
        var pieces = split ? spec.Outputs : spec.Inputs.Select(i => i!).ToList();
        int rank = _whole.Shape.Length;
        int axis = (int)spec.Node.GetInt("axis", 0);
        if (axis < 0) axis += rank;
        int size = backend.StorageSize(_whole);
        long inner = _whole.Shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        _rows = _whole.Shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        var widths = pieces.Select(piece => piece.Shape[axis] * inner * size).ToList(); // bytes per row of each piece
        // Copy in the widest unit (up to 8 bytes) that divides every row width and column offset:
        // a channels-last concat moves whole channel runs per pixel, not one element per thread.
        // Arena offsets count too: a piece may itself be a slice of another planned concat.
        var quantities = new List<long> { _whole.Offset };
        long offset = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            quantities.AddRange([widths[i], offset, pieces[i].IsConstant ? 0 : pieces[i].Offset]);
            offset += widths[i];
        }
        int unit = CopyUnit(size, quantities);
        _unit = unit;
        _kernel = CopyKernel(unit);
        _wholeWidth = _whole.Shape[axis] * inner * size / unit;
        var parts = new List<(TensorSlot, DeviceBuffer?, long, long)>();
        long column = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            var piece = pieces[i];
            long width = widths[i] / unit;
            parts.Add((piece, piece.Constant is { } c ? backend.UploadStorage(c) : null, width, column));
            column += width;
        }
        _parts = parts.ToArray();
    }

    /// <summary>The widest copy unit, at most 8 bytes and at least the element size, that divides every byte count and offset given.</summary>
    internal static int CopyUnit(int elementSize, IEnumerable<long> bytes)
    {
        long unit = 8;
        foreach (long b in bytes)
            while (unit > elementSize && b % unit != 0) unit /= 2;
        return (int)unit;
    }

    internal static string CopyKernel(int unit) => unit switch { 1 => "copy_rows_u8", 2 => "copy_rows_u16", 4 => "copy_rows_u32", _ => "copy_rows_u64" };

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _kernel);
        long size = _unit;
        ulong whole = Address(state, _whole);
        ulong src = 0, dst = 0;
        long rows = _rows, w = 0, srcPitch = 0, dstPitch = 0;
        void** args = stackalloc void*[] { &src, &dst, &rows, &w, &srcPitch, &dstPitch };
        foreach (var (slot, constant, width, column) in _parts)
        {
            ulong piece = constant?.Pointer ?? Address(state, slot);
            ulong wholeAt = whole + (ulong)(column * size);
            if (piece == wholeAt && constant is null) continue;
            (src, dst) = _split ? (wholeAt, piece) : (piece, wholeAt);
            (w, srcPitch, dstPitch) = (width, _split ? _wholeWidth : width, _split ? width : _wholeWidth);
            Launch(_function, Blocks(rows * w), 1, 1, Threads, state, args);
        }
    }
}

/// <summary>
/// Gather by constant indices (<see cref="ConstantGather"/>) as pitched row copies: each run of
/// consecutive indices is one copy of <c>outer</c> rows, so an attention block's Q/K/V split or a
/// class token's slice is one launch.
/// </summary>
internal sealed unsafe class CudaGatherLayer : CudaLayer
{
    /// <summary>Beyond this many runs of indices the copies cost more launches than a host gather is worth saving.</summary>
    private const int MaxRuns = 16;
    private readonly KernelModule _module;
    private readonly string _kernel;
    private readonly TensorSlot _input, _output;
    private readonly (long Source, long Width, long Destination)[] _runs; // in copy units
    private readonly long _rows, _srcPitch, _dstPitch;
    private readonly int _unit;
    private nint _function;

    public static bool CanCompile(LayerSpec spec) => ConstantGather.Of(spec) is { } g && g.Runs().Count <= MaxRuns;

    public CudaGatherLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        var g = ConstantGather.Of(spec) ?? throw new InvalidOperationException($"{spec.Node.Describe()} is not a gather by constant indices");
        _module = backend.Module("elementwise");
        _input = spec.Input(0);
        _output = spec.Output(0);
        int size = backend.StorageSize(_input);
        long slice = g.Inner * size;
        int unit = CudaSliceCopyLayer.CopyUnit(size, [slice, _input.Offset, _output.Offset]);
        _kernel = CudaSliceCopyLayer.CopyKernel(unit);
        long units = slice / unit;
        _rows = g.Outer;
        _srcPitch = g.Dim * units;
        _dstPitch = g.Indices.Length * units;
        _runs = [.. g.Runs().Select(r => (r.Source * units, r.Count * units, r.Destination * units))];
        _unit = unit;
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _kernel);
        ulong x = Address(state, _input), y = Address(state, _output);
        ulong src = 0, dst = 0;
        long rows = _rows, w = 0, srcPitch = _srcPitch, dstPitch = _dstPitch;
        void** args = stackalloc void*[] { &src, &dst, &rows, &w, &srcPitch, &dstPitch };
        foreach (var (source, width, destination) in _runs)
        {
            (src, dst, w) = (x + (ulong)(source * _unit), y + (ulong)(destination * _unit), width);
            Launch(_function, Blocks(rows * w), 1, 1, Threads, state, args);
        }
    }
}

/// <summary>Transpose of any permutation up to rank 6, gathering in output order.</summary>
internal sealed unsafe class CudaTransposeLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly string _kernel;
    private readonly PermuteParams _params;
    private readonly TensorSlot _input, _output;
    private nint _function;

    public static bool CanCompile(CudaBackend backend, LayerSpec spec) =>
        spec.Input(0).Shape.Length <= BroadcastParams.MaxRank && backend.StorageSize(spec.Input(0)) is 1 or 2 or 4 or 8 && !spec.Input(0).IsConstant;

    public CudaTransposeLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        _module = backend.Module("elementwise");
        _input = spec.Input(0);
        _output = spec.Output(0);
        _kernel = backend.StorageSize(_input) switch { 1 => "transpose_u8", 2 => "transpose_u16", 4 => "transpose_u32", _ => "transpose_u64" };
        var shape = _input.Shape;
        int rank = shape.Length;
        var perm = spec.Node.GetInts("perm") is { Length: > 0 } given ? given.Select(v => (int)v).ToArray() : Enumerable.Range(0, rank).Reverse().ToArray();
        var inputStrides = new long[rank];
        long stride = 1;
        for (int d = rank - 1; d >= 0; d--) { inputStrides[d] = stride; stride *= shape[d]; }
        var p = new PermuteParams { Rank = rank };
        for (int d = 0; d < rank; d++)
        {
            p.Dims[d] = _output.Shape[d];
            p.Strides[d] = inputStrides[perm[d]];
        }
        _params = p;
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, _kernel);
        ulong x = Address(state, _input), y = Address(state, _output);
        long total = _output.ElementCount;
        var p = _params;
        void** args = stackalloc void*[] { &x, &y, &total, &p };
        Launch(_function, Blocks(total), 1, 1, Threads, state, args);
    }
}

/// <summary>Nearest Resize of N x C x H x W keeping N and C, with source rows/columns from the reference's coordinate rules.</summary>
internal sealed unsafe class CudaResizeNearestLayer : CudaLayer
{
    private readonly KernelModule _module;
    private readonly DeviceBuffer _rows, _cols;
    private readonly TensorSlot _input, _output;
    private nint _function;

    public static bool CanCompile(LayerSpec spec)
    {
        var x = spec.Input(0);
        var y = spec.Output(0);
        return x.Shape.Length == 4 && x.Shape[0] == y.Shape[0] && x.Shape[1] == y.Shape[1] && !x.IsConstant &&
               spec.Node.GetString("mode", "nearest") == "nearest" &&
               spec.OptionalInput(2) is not { Constant: null } && spec.OptionalInput(3) is not { Constant: null };
    }

    public CudaResizeNearestLayer(CudaBackend backend, LayerSpec spec) : base(backend)
    {
        _module = backend.Module("elementwise");
        _input = spec.Input(0);
        _output = spec.Output(0);
        var (outShape, scales) = ResizeKernel.ResolveOutput(spec.Node, _input.Shape, spec.OptionalInput(2)?.Constant, spec.OptionalInput(3)?.Constant);
        var maps = ResizeKernel.NearestMaps(spec.Node, _input.Shape, outShape, scales);
        _rows = backend.Device.Upload<int>(maps[2]);
        _cols = backend.Device.Upload<int>(maps[3]);
    }

    public override IEnumerable<KernelModule> Modules => [_module];

    public override void Execute(in ExecutionState state)
    {
        if (_function == 0) _function = Backend.Kernels.Function(_module, "resize_nearest");
        ulong x = Address(state, _input), y = Address(state, _output), rows = _rows.Pointer, cols = _cols.Pointer;
        int planes = _input.Shape[0] * _input.Shape[1], h = _input.Shape[2], w = _input.Shape[3], oh = _output.Shape[2], ow = _output.Shape[3];
        void** args = stackalloc void*[] { &x, &y, &rows, &cols, &planes, &h, &w, &oh, &ow };
        Launch(_function, Blocks((long)planes * oh * ow), 1, 1, Threads, state, args);
    }
}
