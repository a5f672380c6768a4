using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>What the harness hands a growth policy when the dendritic arm starts.</summary>
public sealed record GrowthContext
{
    /// <summary>The baseline's epoch budget, for policies that grow after it.</summary>
    public required int BaselineEpochs { get; init; }

    /// <summary>The recipe's learning rate (the harness keeps it constant).</summary>
    public required double LearningRate { get; init; }

    /// <summary>A few training inputs on the model's device, for the wrapper's check pass.</summary>
    public required Tensor SampleInput { get; init; }

    /// <summary>
    /// One pass over the training split in a seeded order, yielding each mini-batch's loss from a forward pass of the
    /// model (what cascade-correlation candidates train on). Each loss lives until the next one is requested.
    /// </summary>
    public required Func<IEnumerable<Tensor>> TrainingLosses { get; init; }

    /// <summary>The experiment's logger.</summary>
    public required ILogger Logger { get; init; }
}
