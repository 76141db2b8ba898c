namespace EdgeAgent.Engine.Zoo;

/// <summary>
/// A generated model's interface: its single input and output with a concrete shape
/// (symbolic batch dims taken as 1), so callers can make inputs without loading the model.
/// </summary>
public sealed record ZooModel(string Name, string Input, int[] InputShape, string Output, int[] OutputShape);
