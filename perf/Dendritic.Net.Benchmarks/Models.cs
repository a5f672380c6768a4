using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The small models of the whole-model and growth suites, plain or wrapped with <see cref="Dendrites.Wrap"/> (which
/// replaces every Linear and Conv2d inside the Sequential by a <see cref="DendriteLayer"/>).
/// </summary>
internal static class Models
{
    /// <summary>Batch of the MLP (784 inputs) and CNN (3x32x32 inputs) suites.</summary>
    public const int MlpBatch = 256;

    /// <summary>Batch of the CNN suite.</summary>
    public const int CnnBatch = 64;

    /// <summary>A small plain model.</summary>
    public static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        "Mlp" => nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)),
        "Cnn" => nn.Sequential(
            nn.Conv2d(3, 32, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10)),
        "Growth" => nn.Sequential(nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown model; use Mlp, Cnn or Growth."),
    };

    /// <summary>The same model wrapped with <paramref name="dendrites"/> sets on every Linear and Conv2d.</summary>
    public static (nn.Module<Tensor, Tensor> Model, DendriticModel Handle) CreateWrapped(string name, int dendrites)
    {
        var model = Create(name);
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = dendrites });
        return (model, handle);
    }

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
}
