using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Backends.Reference;

/// <summary>Computes one node's outputs from its inputs (null for omitted optional inputs).</summary>
public delegate Tensor[] ReferenceKernel(Node node, Tensor?[] inputs);
