using System;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace DocExamples;

/// <summary>
/// The names the documentation's examples take as the reader's own (a model builder, a training epoch, a validation
/// loss, a logger), for the stub classes that hold the copies. Compiled, never run: the bodies throw.
/// </summary>
public abstract class DocExample
{
    protected static readonly ILogger logger = NullLogger.Instance;

    /// <summary>The reader's model, written without dendrites in mind.</summary>
    protected static nn.Module<Tensor, Tensor> BuildMyModel() => throw new NotSupportedException(NeverRun);

    protected static void TrainOneEpoch(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer) => throw new NotSupportedException(NeverRun);

    protected static double ValidationLoss(nn.Module<Tensor, Tensor> model) => throw new NotSupportedException(NeverRun);

    public const string NeverRun = "The documentation's examples are compiled, never run.";
}
