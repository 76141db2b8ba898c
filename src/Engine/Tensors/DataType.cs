namespace EdgeAgent.Engine.Tensors;

/// <summary>Element types of tensors. Numeric values equal ONNX's TensorProto.DataType codes.</summary>
public enum DataType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
}

public static class DataTypeInfo
{
    /// <summary>Bytes per element, or 0 for types without a fixed size.</summary>
    public static int SizeOf(this DataType type) => type switch
    {
        DataType.Float32 or DataType.Int32 => 4,
        DataType.Int64 or DataType.Float64 => 8,
        DataType.Float16 => 2,
        DataType.UInt8 or DataType.Int8 or DataType.Bool => 1,
        _ => 0,
    };

    /// <summary>Short lower-case name used in messages and listings (float32, int64, ...).</summary>
    public static string Name(this DataType type) => type switch
    {
        DataType.Float32 => "float32",
        DataType.UInt8 => "uint8",
        DataType.Int8 => "int8",
        DataType.Int32 => "int32",
        DataType.Int64 => "int64",
        DataType.String => "string",
        DataType.Bool => "bool",
        DataType.Float16 => "float16",
        DataType.Float64 => "float64",
        _ => "undefined",
    };

    public static bool IsFloat(this DataType type) =>
        type is DataType.Float32 or DataType.Float16 or DataType.Float64;

    public static bool IsInteger(this DataType type) =>
        type is DataType.Int32 or DataType.Int64 or DataType.Int8 or DataType.UInt8;

    /// <summary>Maps an ONNX element-type code; codes outside the supported set give Undefined.</summary>
    public static DataType FromOnnx(int code) => code switch
    {
        1 => DataType.Float32,
        2 => DataType.UInt8,
        3 => DataType.Int8,
        6 => DataType.Int32,
        7 => DataType.Int64,
        8 => DataType.String,
        9 => DataType.Bool,
        10 => DataType.Float16,
        11 => DataType.Float64,
        _ => DataType.Undefined,
    };

    /// <summary>Name of an ONNX element-type code, including the ones EdgeAgent does not support.</summary>
    public static string OnnxName(int code) => code switch
    {
        4 => "uint16",
        5 => "int16",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        _ => FromOnnx(code) is var t && t != DataType.Undefined ? t.Name() : $"type {code}",
    };
}
