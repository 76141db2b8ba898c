namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// One way to run a GEMM: the micro-kernel family (which fixes the MR x NR register tile)
/// and the cache blocking: KC (depth of a packed panel, sized so an NR-wide B sliver stays
/// in L1), MC (rows of A kept hot in L2 while a B block is swept) and NC (columns of B packed
/// at a time). With <see cref="PackB"/> false a plain row-major B is read in place instead of
/// copied into panels (edge columns are still packed).
/// </summary>
public sealed record GemmTactic(string Name, KernelIsa Isa, int KC, int MC, int NC, bool PackB = true)
{
    public int MR => MicroTile(Isa).MR;
    public int NR => MicroTile(Isa).NR;

    public static (int MR, int NR) MicroTile(KernelIsa isa) => isa switch
    {
        KernelIsa.Avx2 => (6, 16),
        KernelIsa.Avx512 => (8, 32),
        KernelIsa.AdvSimd => (8, 8),
        _ => (4, 8),
    };

    public static GemmTactic Create(KernelIsa isa, int kc, int mc, int nc, bool packB = true)
    {
        var (mr, nr) = MicroTile(isa);
        if (kc < 1 || mc < mr || nc < nr) throw new ArgumentException($"blocking kc={kc} mc={mc} nc={nc} is smaller than the {mr}x{nr} tile");
        mc = mc / mr * mr;
        nc = nc / nr * nr;
        string name = $"{isa.ToString().ToLowerInvariant()}_{mr}x{nr}_kc{kc}_mc{mc}_nc{nc}{(packB ? "" : "_directb")}";
        return new GemmTactic(name, isa, kc, mc, nc, packB);
    }

    /// <summary>The choice without timing: the best ISA here, blocks sized for 32 KiB L1 / 512 KiB L2.</summary>
    public static GemmTactic Default(int m, int n, int k) => Default(KernelIsas.Best, m, n, k);

    public static GemmTactic Default(KernelIsa isa, int m, int n, int k)
    {
        var (mr, _) = MicroTile(isa);
        // KC 256: a 256 x 16 B sliver (16 KiB) stays in L1 beside the A panel being streamed;
        // MC 120 rows x KC of A (120 KiB) and a KC x 384 B block share a 512 KiB L2.
        return Create(isa, 256, Math.Max(mr, 120 / mr * mr), 384);
    }

    /// <summary>Tactics worth timing for one GEMM shape on this machine.</summary>
    public static IReadOnlyList<GemmTactic> Enumerate(int m, int n, int k, bool plainB = false)
    {
        var list = new List<GemmTactic>();
        foreach (var isa in KernelIsas.Timed)
        {
            var (mr, nr) = MicroTile(isa);
            foreach (int kc in new[] { 128, 256, 512 })
            {
                if (kc > 2 * k && kc != 128) continue;
                foreach (int nc in new[] { 192, 384, 768 })
                {
                    if (nc > 2 * n && nc != 192) continue;
                    list.Add(Create(isa, kc, Math.Max(mr, 120 / mr * mr), Math.Max(nr, nc / nr * nr)));
                    if (plainB && isa != KernelIsa.Portable && kc == 256)
                        list.Add(Create(isa, kc, Math.Max(mr, 120 / mr * mr), Math.Max(nr, nc / nr * nr), packB: false));
                }
            }
        }
        return list.DistinctBy(t => t.Name).ToArray();
    }
}
