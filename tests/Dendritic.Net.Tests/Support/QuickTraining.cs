using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Tests.Support;

/// <summary>A few plain SGD steps on a regression batch, then the loss: the unit of work of the resume tests.</summary>
internal static class QuickTraining
{
    /// <summary>
    /// Trains the parameters that require gradients with SGD without momentum (so the optimizer keeps no state and
    /// weights alone describe the run), then returns the MSE loss on the same batch.
    /// </summary>
    public static double SgdStepsThenLoss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int steps = 10, double learningRate = 0.05)
    {
        var sgd = optim.SGD(model.parameters().Where(p => p.requires_grad).ToList(), learningRate);
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            sgd.zero_grad();
            nn.functional.mse_loss(model.call(x), y).backward();
            sgd.step();
        }

        using (no_grad())
        {
            return nn.functional.mse_loss(model.call(x), y).item<float>();
        }
    }

    /// <summary>
    /// One optimizer step on a fixed batch of 8 rows of 3 inputs (the shape of <see cref="TestModels.TanhMlp"/>),
    /// minimising the outputs' mean square: the unit of work of the optimizer-state tests.
    /// </summary>
    public static void SquareOutputStep(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer)
    {
        using var scope = NewDisposeScope();
        using var x = linspace(-1, 1, 24).reshape(8, 3);
        optimizer.zero_grad();
        model.call(x).pow(2).mean().backward();
        optimizer.step();
    }

    /// <summary>The keys of <paramref name="model"/>'s parameters that require gradients (or, with false, do not), in model order.</summary>
    public static string[] ParameterNames(nn.Module model, bool trainable = true) =>
        model.named_parameters().Where(p => p.parameter.requires_grad == trainable).Select(p => p.name).ToArray();
}
