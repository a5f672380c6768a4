using System;
using System.Linq;
using Dendritic.Experiments;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>The pilot's models: how each is built at a width, which layers get dendrites, and how it is described.</summary>
public static class PilotModels
{
    /// <summary>The harness's model factory for <paramref name="model"/> on images of <paramref name="imageShape"/>.</summary>
    /// <param name="model">Which model.</param>
    /// <param name="imageShape">One image's shape, [channels, rows, columns].</param>
    /// <param name="classes">Number of classes.</param>
    /// <returns>A factory that builds the model at a width.</returns>
    /// <exception cref="ArgumentException">The images do not fit the model (see <see cref="ShapeError"/>).</exception>
    public static ModelFactory Factory(PilotModel model, long[] imageShape, long classes)
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        if (ShapeError(model, imageShape) is { } error)
        {
            throw new ArgumentException(error, nameof(imageShape));
        }

        var inputs = imageShape.Aggregate(1L, (a, b) => a * b);
        return model switch
        {
            PilotModel.Cnn => width => PilotCnn.Create(imageShape, width, classes),
            PilotModel.Encoder => width => new PilotEncoder(imageShape, width, classes),
            _ => width => PilotMlp.Create(inputs, width, classes),
        };
    }

    /// <summary>Why images of <paramref name="imageShape"/> do not fit <paramref name="model"/>, or null when they do.</summary>
    /// <param name="model">Which model.</param>
    /// <param name="imageShape">One image's shape.</param>
    /// <returns>The problem, or null.</returns>
    public static string? ShapeError(PilotModel model, long[] imageShape) => model switch
    {
        PilotModel.Cnn => PilotCnn.ShapeError(imageShape),
        PilotModel.Encoder => PilotEncoder.ShapeError(imageShape),
        _ => null,
    };

    /// <summary>
    /// The layers that get dendrites: every Linear and Conv2d of the CNN; for the MLP and the encoder, as
    /// <paramref name="mlpTargets"/> and <paramref name="targets"/> say.
    /// </summary>
    /// <param name="model">Which model.</param>
    /// <param name="targets">The encoder's targets (ignored for the other models).</param>
    /// <param name="mlpTargets">The MLP's targets (ignored for the other models).</param>
    /// <returns>The selector for <see cref="WrapOptions.Targets"/>.</returns>
    public static LayerSelector Targets(PilotModel model, EncoderTargets targets, MlpTargets mlpTargets = MlpTargets.All)
    {
        if (model == PilotModel.Mlp)
        {
            return mlpTargets switch
            {
                MlpTargets.Hidden => LayerSelector.NameLike("hidden"),
                MlpTargets.Output => LayerSelector.NameLike("output"),
                _ => LayerSelector.AllSupported,
            };
        }

        if (model != PilotModel.Encoder)
        {
            return LayerSelector.AllSupported;
        }

        var mlp = LayerSelector.NameLike("blocks.*.mlp.expand").Or(LayerSelector.NameLike("blocks.*.mlp.project"));
        return targets switch
        {
            EncoderTargets.Mlp => mlp,
            EncoderTargets.AllLinear => LayerSelector.OfType<Linear>(),
            _ => LayerSelector.NameLike("blocks.*.attention.output").Or(mlp),
        };
    }

    /// <summary>A one-line description of the model at <paramref name="width"/>, for the console and the report.</summary>
    /// <param name="model">Which model.</param>
    /// <param name="width">The baseline width.</param>
    /// <param name="targets">The encoder's targets.</param>
    /// <param name="mlp">The MLP's targets.</param>
    /// <param name="withDendrites">Whether a dendritic arm runs (false with --dendrite-mode off: no targets are named).</param>
    /// <returns>The description.</returns>
    public static string Describe(PilotModel model, int width, EncoderTargets targets, MlpTargets mlp = MlpTargets.All, bool withDendrites = true) => model switch
    {
        PilotModel.Cnn => $"CNN, {width} and {2 * width} channels",
        PilotModel.Encoder => $"encoder, d_model {width}, {PilotEncoder.Depth} blocks, {PilotEncoder.HeadsFor(width)} heads, MLP {EncoderBlock.MlpRatio * width}"
            + (withDendrites ? $", dendrites on {Name(targets)}" : string.Empty),
        _ when mlp != MlpTargets.All && withDendrites => $"MLP, width {width}, dendrites on the {Name(mlp)} layer only",
        _ => $"MLP, width {width}",
    };

    /// <summary>The command-line name of <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <returns>mlp, cnn or encoder.</returns>
    public static string Name(PilotModel model) => model switch
    {
        PilotModel.Cnn => "cnn",
        PilotModel.Encoder => "encoder",
        _ => "mlp",
    };

    /// <summary>The command-line name of <paramref name="targets"/>.</summary>
    /// <param name="targets">The MLP's targets.</param>
    /// <returns>all, hidden or output.</returns>
    public static string Name(MlpTargets targets) => targets switch
    {
        MlpTargets.Hidden => "hidden",
        MlpTargets.Output => "output",
        _ => "all",
    };

    /// <summary>The command-line name of <paramref name="targets"/>.</summary>
    /// <param name="targets">The encoder's targets.</param>
    /// <returns>attention-mlp, mlp or all-linear.</returns>
    public static string Name(EncoderTargets targets) => targets switch
    {
        EncoderTargets.Mlp => "mlp",
        EncoderTargets.AllLinear => "all-linear",
        _ => "attention-mlp",
    };
}
