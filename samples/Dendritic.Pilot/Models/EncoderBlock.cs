using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// A pre-norm Transformer encoder block: x + attention(LayerNorm(x)), then x + MLP(LayerNorm(x)) with the MLP
/// Linear(width, 2 × width) → GELU → Linear(2 × width, width). The MLP is a Sequential (paths <c>mlp.expand</c>,
/// <c>mlp.project</c>), so Wrap replaces its Linear layers.
/// </summary>
public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>The MLP's hidden width as a multiple of the model width (tied, so widening the model widens both).</summary>
    public const int MlpRatio = 2;

    private readonly nn.Module<Tensor, Tensor> attentionNorm;
    private readonly nn.Module<Tensor, Tensor> attention;
    private readonly nn.Module<Tensor, Tensor> mlpNorm;
    private readonly nn.Module<Tensor, Tensor> mlp;

    /// <summary>Creates the block.</summary>
    /// <param name="width">Model width (d_model).</param>
    /// <param name="heads">Attention heads; must divide <paramref name="width"/>.</param>
    public EncoderBlock(long width, long heads)
        : base(nameof(EncoderBlock))
    {
        attentionNorm = nn.LayerNorm(width);
        attention = new SelfAttention(width, heads);
        mlpNorm = nn.LayerNorm(width);
        mlp = nn.Sequential(
            ("expand", nn.Linear(width, MlpRatio * width)),
            ("gelu", nn.GELU()),
            ("project", nn.Linear(MlpRatio * width, width)));
        RegisterComponents();
    }

    /// <summary>[batch, tokens, width] to [batch, tokens, width].</summary>
    /// <param name="x">Token features.</param>
    /// <returns>The block's output, same shape.</returns>
    public override Tensor forward(Tensor x)
    {
        x = x + attention.call(attentionNorm.call(x));
        return x + mlp.call(mlpNorm.call(x));
    }
}
