using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>
/// The warm-up's training steps, of the plain model and of a copy wrapped with one dendrite set per supported layer, so
/// that the first arm of each kind does not pay for loading and compiling its code path (before the wrapped copy, the
/// first dendritic arm took three to four times as long as the later ones in a newcomer's trial, inflating its "Train s").
/// </summary>
internal static class DendriticWarmUp
{
    /// <summary>Wraps <paramref name="model"/> (on its device) and trains it for up to ten batches of <paramref name="train"/>.</summary>
    /// <param name="model">A fresh model from the factory; the caller disposes it.</param>
    /// <param name="train">The training split.</param>
    /// <param name="batchSize">The recipe's batch size.</param>
    /// <param name="loss">The experiment's loss.</param>
    /// <param name="learningRate">The recipe's learning rate.</param>
    public static void Run(nn.Module<Tensor, Tensor> model, DataSplit train, int batchSize, LossFunction loss, double learningRate)
    {
        DendriticModel handle;
        try
        {
            handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        }
        catch (DendriteWrapException)
        {
            // Nothing this default wrap can take: the dendritic arm's own wrap (its policy's options) reports its case.
            return;
        }

        using var optimizer = optim.Adam(handle.TrainableParameters(), learningRate);
        TrainSteps(model, optimizer, train, batchSize, loss);
    }

    /// <summary>
    /// Trains <paramref name="model"/> on up to ten batches from the start of <paramref name="train"/>;
    /// <paramref name="check"/>, if given, sees each batch's outputs and targets before the loss does.
    /// </summary>
    public static void TrainSteps(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, DataSplit train, int batchSize, LossFunction loss, Action<Tensor, Tensor>? check = null)
    {
        model.train();
        for (var step = 0; step < 10 && (long)step * batchSize < train.Count; step++)
        {
            using var scope = NewDisposeScope();
            var start = (long)step * batchSize;
            var count = Math.Min(batchSize, train.Count - start);
            optimizer.zero_grad();
            var (outputs, targets) = (model.call(train.Inputs.narrow(0, start, count)), train.Targets.narrow(0, start, count));
            check?.Invoke(outputs, targets);
            loss(outputs, targets).backward();
            optimizer.step();
        }
    }
}
