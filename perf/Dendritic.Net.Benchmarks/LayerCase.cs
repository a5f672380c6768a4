using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The shapes the layer suites measure. "small" is the shape on every device; "large" is the issue's
/// Linear 4096->4096 at batch 8192 on CUDA and, on two CPU cores, a shape of the same order of work as "small".
/// </summary>
internal sealed record LayerCase(string Host, string Size, string Device)
{
    /// <summary>A human-readable description of the shape, for the docs.</summary>
    public string Describe() => (Host, Size, IsCuda) switch
    {
        ("Linear", "small", _) => "Linear 1024->1024, batch 4096",
        ("Linear", "large", true) => "Linear 4096->4096, batch 8192",
        ("Linear", "large", false) => "Linear 2048->2048, batch 1024",
        ("Conv2d", "small", _) => "Conv2d 64->64 3x3 pad 1, 32x32, batch 64",
        ("Conv2d", "large", true) => "Conv2d 256->256 3x3 pad 1, 32x32, batch 128",
        ("Conv2d", "large", false) => "Conv2d 128->128 3x3 pad 1, 16x16, batch 64",
        _ => throw new ArgumentOutOfRangeException(nameof(Host), $"{Host}/{Size}", "Unknown host kind or size; use Linear or Conv2d, small or large."),
    };

    private bool IsCuda => Device == "cuda";

    /// <summary>A new host module on CPU in float32 (the caller moves it), with a bias unless <c>--host-bias off</c>.</summary>
    public nn.Module<Tensor, Tensor> CreateHost()
    {
        var bias = BenchSettings.HostBias;
        return (Host, Size, IsCuda) switch
        {
            ("Linear", "small", _) => nn.Linear(1024, 1024, hasBias: bias),
            ("Linear", "large", true) => nn.Linear(4096, 4096, hasBias: bias),
            ("Linear", "large", false) => nn.Linear(2048, 2048, hasBias: bias),
            ("Conv2d", "small", _) => nn.Conv2d(64, 64, 3, padding: 1, bias: bias),
            ("Conv2d", "large", true) => nn.Conv2d(256, 256, 3, padding: 1, bias: bias),
            ("Conv2d", "large", false) => nn.Conv2d(128, 128, 3, padding: 1, bias: bias),
            _ => throw new ArgumentOutOfRangeException(nameof(Host), $"{Host}/{Size}", "Unknown host kind or size."),
        };
    }

    /// <summary>The input shape for this case.</summary>
    public long[] InputShape() => (Host, Size, IsCuda) switch
    {
        ("Linear", "small", _) => new long[] { 4096, 1024 },
        ("Linear", "large", true) => new long[] { 8192, 4096 },
        ("Linear", "large", false) => new long[] { 1024, 2048 },
        ("Conv2d", "small", _) => new long[] { 64, 64, 32, 32 },
        ("Conv2d", "large", true) => new long[] { 128, 256, 32, 32 },
        ("Conv2d", "large", false) => new long[] { 64, 128, 16, 16 },
        _ => throw new ArgumentOutOfRangeException(nameof(Host), $"{Host}/{Size}", "Unknown host kind or size."),
    };

    /// <summary>Multiply-add FLOPs (2 per MAC) of one host forward, for the docs' throughput figures.</summary>
    public double HostForwardFlops()
    {
        var x = InputShape();
        return Host == "Linear"
            ? 2.0 * x[0] * x[1] * x[1]
            : 2.0 * x[0] * x[1] * x[1] * 9 * x[2] * x[3];
    }
}
