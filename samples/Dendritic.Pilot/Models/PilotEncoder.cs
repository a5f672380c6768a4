using System;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>
/// A small ViT-style classifier, written the way a TorchSharp user writes one, without dendrites in mind: the image is
/// cut into a 4 × 4 grid of patches (7 × 7 pixels for 28 × 28 digits, so 16 tokens), each flattened patch goes through
/// a Linear patch embedding, a learned position embedding is added, <see cref="Depth"/> pre-norm
/// <see cref="EncoderBlock"/>s follow, then a final LayerNorm, mean pooling over the tokens and a Linear head.
/// </summary>
/// <remarks>
/// The width is d_model; the MLP width is tied to it (<see cref="EncoderBlock.MlpRatio"/> × width), so a wider model
/// of the same depth is the capacity-matched control. Heads: the largest of 4, 3, 2, 1 that divides the width
/// (<see cref="HeadsFor"/>), so every width the harness tries builds a valid model. Paths: <c>embed</c>,
/// <c>blocks.{i}.attention.{query,key,value,output}</c>, <c>blocks.{i}.mlp.{expand,project}</c>, <c>head</c>.
/// </remarks>
public sealed class PilotEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>Patches per image side: the image becomes a Grid × Grid sequence of tokens.</summary>
    public const int Grid = 4;

    /// <summary>Encoder blocks. 2: the smallest depth where blocks feed blocks, small enough for a CPU run.</summary>
    public const int Depth = 2;

    /// <summary>Most attention heads.</summary>
    public const int MaxHeads = 4;

    private readonly nn.Module<Tensor, Tensor> embed;
    private readonly Parameter position;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly nn.Module<Tensor, Tensor> head;
    private readonly long patchRows;
    private readonly long patchColumns;

    /// <summary>Creates the encoder for images of [channels, rows, columns].</summary>
    /// <param name="imageShape">One image's shape: [channels, rows, columns]; rows and columns divisible by <see cref="Grid"/>.</param>
    /// <param name="width">Model width (d_model), at least 1.</param>
    /// <param name="classes">Number of classes.</param>
    /// <exception cref="ArgumentException">The image shape is not [channels, rows, columns] with sides divisible by <see cref="Grid"/>.</exception>
    public PilotEncoder(long[] imageShape, int width, long classes)
        : base(nameof(PilotEncoder))
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        if (ShapeError(imageShape) is { } error)
        {
            throw new ArgumentException(error, nameof(imageShape));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Heads = HeadsFor(width);
        patchRows = imageShape[1] / Grid;
        patchColumns = imageShape[2] / Grid;
        embed = nn.Linear(imageShape[0] * patchRows * patchColumns, width);
        position = new Parameter(randn(1, Grid * Grid, width) * 0.02);
        blocks = new ModuleList<nn.Module<Tensor, Tensor>>(Enumerable.Range(0, Depth).Select(_ => (nn.Module<Tensor, Tensor>)new EncoderBlock(width, Heads)).ToArray());
        norm = nn.LayerNorm(width);
        head = nn.Linear(width, classes);
        RegisterComponents();
    }

    /// <summary>Attention heads of every block.</summary>
    public long Heads { get; }

    /// <summary>The largest of 4, 3, 2, 1 that divides <paramref name="width"/>: every width gets a valid head count.</summary>
    /// <param name="width">Model width.</param>
    /// <returns>The number of heads.</returns>
    public static long HeadsFor(long width) => Enumerable.Range(1, MaxHeads).Reverse().First(h => width % h == 0);

    /// <summary>Why images of this shape cannot be cut into the encoder's patches, or null when they can.</summary>
    /// <param name="imageShape">One image's shape.</param>
    /// <returns>The problem, or null.</returns>
    public static string? ShapeError(long[] imageShape)
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        return imageShape.Length == 3 && imageShape.All(s => s > 0) && imageShape[1] % Grid == 0 && imageShape[2] % Grid == 0
            ? null
            : $"The encoder cuts each image into a {Grid} × {Grid} grid of patches: it needs images of [channels, rows, columns] with rows and columns divisible by {Grid}, not [{string.Join(", ", imageShape)}].";
    }

    /// <summary>[batch, channels, rows, columns] to [batch, classes] logits.</summary>
    /// <param name="images">A batch of images.</param>
    /// <returns>The logits.</returns>
    public override Tensor forward(Tensor images)
    {
        var batch = images.shape[0];
        // [batch, channels, Grid, patchRows, Grid, patchColumns] → [batch, Grid, Grid, channels, patchRows, patchColumns].
        var patches = images.reshape(batch, images.shape[1], Grid, patchRows, Grid, patchColumns)
            .permute(0, 2, 4, 1, 3, 5)
            .reshape(batch, Grid * Grid, -1);
        var x = embed.call(patches) + position;
        foreach (var block in blocks)
        {
            x = block.call(x);
        }

        return head.call(norm.call(x).mean(new long[] { 1 }));
    }
}
