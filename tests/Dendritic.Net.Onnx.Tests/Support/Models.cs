using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests.Support;

/// <summary>Small models of each family the exporter must handle, with dendrites whose u and v are random.</summary>
internal static class Models
{
    public static DendriteLayer Dendritic(nn.Module host, int sets, long seed, DendriteOptions? options = null)
    {
        var layer = new DendriteLayer(host, options, sets);
        Randomise(layer, seed);
        return layer;
    }

    /// <summary>Gives every u and v a random non-zero value so the cascade really matters.</summary>
    public static void Randomise(DendriteLayer layer, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var set in layer.Branch.Sets)
            {
                set.OutputScale.copy_(randn(set.OutputScale.shape, generator: generator));
                set.CascadeWeights?.copy_(randn(set.CascadeWeights.shape, generator: generator));
            }
        }
    }

    public static Sequential Mlp(int sets) => nn.Sequential(
        Dendritic(nn.Linear(8, 16), sets, 1),
        nn.ReLU(),
        nn.Dropout(0.3),
        Dendritic(nn.Linear(16, 16), sets, 2),
        nn.GELU(),
        Dendritic(nn.Linear(16, 4), sets, 3),
        nn.Softmax(1));

    public static Sequential Cnn(int sets)
    {
        var model = nn.Sequential(
            Dendritic(nn.Conv2d(3, 8, 3, padding: 1), sets, 4),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            Dendritic(nn.Conv2d(8, 8, 3, padding: 1, groups: 2), sets, 5),
            nn.SiLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            Dendritic(nn.Linear(8, 5), sets, 6),
            nn.LogSoftmax(1));

        // A few training-mode passes give BatchNorm non-trivial running statistics.
        model.train();
        using (no_grad())
        {
            for (var i = 0; i < 3; i++)
            {
                using var batch = randn(4, 3, 8, 8) * 2 + 0.5;
                model.call(batch).Dispose();
            }
        }

        model.eval();
        return model;
    }

    public static Sequential Sequence(int sets) => nn.Sequential(
        Dendritic(nn.Linear(6, 12), sets, 7),
        nn.Tanh(),
        nn.LayerNorm(12),
        Dendritic(nn.Linear(12, 12), sets, 8),
        nn.Sigmoid(),
        Dendritic(nn.Linear(12, 3), sets, 9));
}
