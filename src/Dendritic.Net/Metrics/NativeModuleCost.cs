namespace Dendritic;

/// <summary>
/// A native TorchSharp module of a wrapped model (Transformer*, MultiheadAttention, LSTM, GRU, RNN): its layers live
/// inside libtorch, so they carry no dendrites and cannot be selected. Listed so that the report accounts for every
/// parameter.
/// </summary>
public sealed record NativeModuleCost
{
    /// <summary>The module's path in the model; empty for the model itself.</summary>
    public required string Name { get; init; }

    /// <summary>The module's type, for example <c>TransformerEncoder</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Scalars in the module's parameters.</summary>
    public required long Parameters { get; init; }
}
