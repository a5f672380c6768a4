using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>The small models of the whole-model and growth suites, plain or with every Linear/Conv2d decorated.</summary>
internal static class Models
{
    /// <summary>Batch of the MLP (784 inputs) and CNN (3x32x32 inputs) suites.</summary>
    public const int MlpBatch = 256;

    /// <summary>Batch of the CNN suite.</summary>
    public const int CnnBatch = 64;

    /// <summary>
    /// A small model. With <paramref name="dendrites"/> &gt;= 0 every Linear and Conv2d becomes a DendriteLayer with that
    /// many sets; with -1 the model stays plain.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(string name, int dendrites) => name switch
    {
        "Mlp" => Sequential(dendrites, nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)),
        "Cnn" => Sequential(
            dendrites,
            nn.Conv2d(3, 32, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10)),
        "Growth" => Sequential(dendrites, nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown model; use Mlp, Cnn or Growth."),
    };

    /// <summary>An input batch for the model.</summary>
    public static Tensor Input(string name, ScalarType dtype, Device device) => name switch
    {
        "Mlp" => randn(new long[] { MlpBatch, 784 }, dtype: dtype, device: device),
        "Cnn" => randn(new long[] { CnnBatch, 3, 32, 32 }, dtype: dtype, device: device),
        "Growth" => randn(new long[] { MlpBatch, 1024 }, dtype: dtype, device: device),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown model."),
    };

    /// <summary>Class labels for the batch.</summary>
    public static Tensor Labels(string name, Device device) =>
        randint(0, 10, new long[] { name == "Cnn" ? CnnBatch : MlpBatch }, dtype: ScalarType.Int64, device: device);

    /// <summary>The DendriteLayers of a decorated model, in order.</summary>
    public static IReadOnlyList<DendriteLayer> DendriteLayers(nn.Module model) =>
        model.modules().OfType<DendriteLayer>().ToList();

    private static nn.Module<Tensor, Tensor> Sequential(int dendrites, params nn.Module<Tensor, Tensor>[] layers)
    {
        var decorated = layers
            .Select(m => dendrites >= 0 && m is TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d
                ? new DendriteLayer(m, dendrites: dendrites)
                : m)
            .ToArray();
        return nn.Sequential(decorated);
    }
}
