namespace Dendritic;

/// <summary>The kinds of host layer that can carry dendrites: the fast path (Linear, convolutions) and any module by copy.</summary>
public enum HostKind
{
    /// <summary><c>torch.nn.Linear</c>: neurons on the last axis, so <c>[batch, time, features]</c> input works as is.</summary>
    Linear = 0,

    /// <summary><c>torch.nn.Conv1d</c>: neurons are output channels (axis 1 of a batched input).</summary>
    Conv1d = 1,

    /// <summary><c>torch.nn.Conv2d</c>: neurons are output channels (axis 1 of a batched input).</summary>
    Conv2d = 2,

    /// <summary><c>torch.nn.Conv3d</c>: neurons are output channels (axis 1 of a batched input).</summary>
    Conv3d = 3,

    /// <summary>
    /// Any other module (an Embedding, a LayerNorm, an LSTM or GRU, a block of your own): each dendrite is a freshly
    /// initialised copy of the host fed the same input, per neuron of the output's neuron axis (see
    /// <see cref="ModuleHost"/>). Attached by a forward hook; not the fused fast path.
    /// </summary>
    Module = 4,
}
