using System;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// Multi-head self-attention built from four Linear projections (query, key, value, output), as a TorchSharp user
/// writes it when the projections should be reachable: <c>nn.MultiheadAttention</c> keeps its projections inside
/// libtorch, where <see cref="Dendrites.Wrap"/> cannot reach them. The projections are fields typed as
/// <c>Module&lt;Tensor, Tensor&gt;</c>, so Wrap replaces them (no hooks).
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    // Registered under these names: blocks.{i}.attention.query, .key, .value, .output.
    private readonly nn.Module<Tensor, Tensor> query;
    private readonly nn.Module<Tensor, Tensor> key;
    private readonly nn.Module<Tensor, Tensor> value;
    private readonly nn.Module<Tensor, Tensor> output;

    /// <summary>Creates the four width × width projections.</summary>
    /// <param name="width">Model width (d_model); must be divisible by <paramref name="heads"/>.</param>
    /// <param name="heads">Number of attention heads; each attends over width / heads features.</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive value, or a width that <paramref name="heads"/> does not divide.</exception>
    public SelfAttention(long width, long heads)
        : base(nameof(SelfAttention))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (width % heads != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(heads), heads, $"The width ({width}) must be divisible by the number of heads.");
        }

        Heads = heads;
        query = nn.Linear(width, width);
        key = nn.Linear(width, width);
        value = nn.Linear(width, width);
        output = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <summary>Number of attention heads.</summary>
    public long Heads { get; }

    /// <summary>[batch, tokens, width] to [batch, tokens, width].</summary>
    /// <param name="x">The (normalised) token features.</param>
    /// <returns>The attended features after the output projection.</returns>
    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], tokens = x.shape[1], width = x.shape[2];
        Tensor Split(nn.Module<Tensor, Tensor> projection) => projection.call(x).view(batch, tokens, Heads, width / Heads).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Split(query), Split(key), Split(value));
        return output.call(attended.transpose(1, 2).reshape(batch, tokens, width));
    }
}
