using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// The instruction-set family a kernel variant is written for. Every tactic names one, so
/// the builder can time them side by side and tests can force <see cref="Portable"/> on any
/// machine.
/// </summary>
public enum KernelIsa
{
    /// <summary>Plain Vector128 arithmetic without fused multiply-add and scalar epilogues: runs everywhere.</summary>
    Portable,
    /// <summary>x86-64 AVX2 + FMA (Vector256).</summary>
    Avx2,
    /// <summary>Vector512 (AVX-512F on x86-64).</summary>
    Avx512,
    /// <summary>ARM64 Advanced SIMD (NEON) with fused multiply-add.</summary>
    AdvSimd,
}

public static class KernelIsas
{
    /// <summary>Whether the variant runs at full speed on this machine.</summary>
    public static bool IsAccelerated(KernelIsa isa) => isa switch
    {
        KernelIsa.Portable => true,
        KernelIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        KernelIsa.Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        KernelIsa.AdvSimd => AdvSimd.Arm64.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Whether the variant can run here at all. The Vector512 and AdvSimd kernels are written
    /// against APIs that .NET emulates where the hardware lacks them, so tests can check their
    /// blocking logic on any machine; only the AVX2 kernel needs its instructions.
    /// </summary>
    public static bool CanRun(KernelIsa isa) => isa != KernelIsa.Avx2 || IsAccelerated(KernelIsa.Avx2);

    /// <summary>The fastest family this machine accelerates.</summary>
    public static KernelIsa Best =>
        IsAccelerated(KernelIsa.Avx512) ? KernelIsa.Avx512
        : IsAccelerated(KernelIsa.Avx2) ? KernelIsa.Avx2
        : IsAccelerated(KernelIsa.AdvSimd) ? KernelIsa.AdvSimd
        : KernelIsa.Portable;

    /// <summary>Families worth timing on this machine (accelerated ones plus the portable path).</summary>
    public static IReadOnlyList<KernelIsa> Accelerated { get; } =
        Enum.GetValues<KernelIsa>().Where(IsAccelerated).ToArray();

    /// <summary>
    /// Families the builder times: the accelerated ones, the portable path only where nothing
    /// else is. On a shared machine one noisy measurement once let a portable depthwise layer
    /// win the timing and run 20x slower than its AVX2 tactic.
    /// </summary>
    public static IReadOnlyList<KernelIsa> Timed { get; } =
        Accelerated.Count > 1 ? Accelerated.Where(i => i != KernelIsa.Portable).ToArray() : Accelerated;
}
