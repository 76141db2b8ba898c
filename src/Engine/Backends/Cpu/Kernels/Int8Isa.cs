using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// The instruction families the INT8 GEMM is written for, chosen at run time by CPU features.
/// All of them read the same packed layout: weights in panels of 4 rows × 4 consecutive k,
/// activations in tiles of 16 columns × 4 consecutive k stored as unsigned (s8 + 128).
/// </summary>
public enum Int8Isa
{
    /// <summary>Scalar loops: runs everywhere, exact 8-bit weights.</summary>
    Portable,
    /// <summary>
    /// AVX2 <c>vpmaddubsw</c> (u8 × s8 → s16 pair sums) + <c>vpmaddwd</c> by ones (→ s32).
    /// vpmaddubsw saturates at ±32767, and two u8 × s8 products reach 2·255·127 = 64770, so this
    /// path uses 7-bit weights (±63, scale doubled): 2·255·63 = 32130 can never saturate. The
    /// alternative, widening activations to s16 for vpmaddwd, keeps 8 bits but needs as many
    /// instructions per multiply-add as FP32 FMA; halving the weights keeps the ~1.7× fewer
    /// instructions that make INT8 worth it on AVX2 and costs half a weight step per channel.
    /// </summary>
    Avx2,
    /// <summary>AVX-VNNI <c>vpdpbusd</c> (u8 × s8, four products summed into s32 in one instruction, no saturation): exact 8-bit weights.</summary>
    AvxVnni,
    /// <summary>ARM64 dot product <c>sdot</c> (s8 × s8 → s32): exact 8-bit weights.</summary>
    ArmDot,
}

public static class Int8Isas
{
    public static bool IsAccelerated(Int8Isa isa) => isa switch
    {
        Int8Isa.Portable => true,
        Int8Isa.Avx2 => Avx2.IsSupported,
        Int8Isa.AvxVnni => AvxVnni.IsSupported,
        Int8Isa.ArmDot => Dp.IsSupported,
        _ => false,
    };

    /// <summary>The best family this CPU runs. AVX-512 VNNI has no separate .NET 10 API; where the runtime exposes the VEX form it shows up as AvxVnni.</summary>
    public static Int8Isa Best =>
        IsAccelerated(Int8Isa.AvxVnni) ? Int8Isa.AvxVnni
        : IsAccelerated(Int8Isa.Avx2) ? Int8Isa.Avx2
        : IsAccelerated(Int8Isa.ArmDot) ? Int8Isa.ArmDot
        : Int8Isa.Portable;

    /// <summary>Weight magnitude the family can multiply without saturating.</summary>
    public static int WeightLimit(Int8Isa isa) => isa == Int8Isa.Avx2 ? 63 : 127;

    /// <summary>Whether the family reads activations as unsigned (s8 + 128) and needs the 128·Σw correction.</summary>
    public static bool UnsignedActivations(Int8Isa isa) => isa != Int8Isa.ArmDot;

    public static string TacticName(Int8Isa isa) => "int8_" + isa.ToString().ToLowerInvariant();

    public static Int8Isa? FromTacticName(string name) =>
        Enum.GetValues<Int8Isa>().Select(i => (Int8Isa?)i).FirstOrDefault(i => TacticName(i!.Value) == name);
}
