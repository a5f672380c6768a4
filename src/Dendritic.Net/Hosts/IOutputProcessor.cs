using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Tells the library which tensor of a multi-output module's result carries the neurons that get dendrites, and how
/// to put the result back together. TorchSharp's LSTM returns (output, h_n, c_n) and GRU (output, h_n): their built-in
/// processors (<see cref="ModuleHost.Lstm"/>, <see cref="ModuleHost.Gru"/>) select the sequence output and pass the
/// hidden and cell states through from the host unchanged. Write one for a module of your own that returns a tuple.
/// </summary>
/// <typeparam name="TOutput">The module's result type, e.g. <c>(Tensor, Tensor)</c>.</typeparam>
/// <example><code>
/// sealed class FirstOfPair : IOutputProcessor&lt;(Tensor, Tensor)&gt;
/// {
///     public Tensor Extract((Tensor, Tensor) output) =&gt; output.Item1;
///     public (Tensor, Tensor) Rebuild((Tensor, Tensor) output, Tensor selected) =&gt; (selected, output.Item2);
/// }
/// </code></example>
public interface IOutputProcessor<TOutput>
{
    /// <summary>The tensor whose neurons get dendrites. Called on the host's result and on every dendrite copy's.</summary>
    /// <param name="output">A result of the module.</param>
    /// <returns>A tensor of the result (not a copy).</returns>
    Tensor Extract(TOutput output);

    /// <summary>The host's result with the selected tensor replaced by <paramref name="selected"/> (host plus dendrites).</summary>
    /// <param name="output">The host's result.</param>
    /// <param name="selected">The tensor to put in place of <see cref="Extract"/>'s.</param>
    /// <returns>The result the module's caller gets.</returns>
    TOutput Rebuild(TOutput output, Tensor selected);
}
