using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Benchmarks;

/// <summary>
/// The "cuda-check" mode: DendriteLayer on CUDA against the same layer on CPU in float64, for every host kind,
/// dendrite count and dtype. Weights, input and upstream gradient are first rounded to the CUDA dtype, so the
/// error measured is the device's arithmetic and not the rounding of the data. Prints a Markdown table and
/// returns the number of failed rows.
/// </summary>
internal static class CudaCheck
{
    private static readonly (string Name, Func<nn.Module> Make, long[] Input)[] Hosts =
    {
        ("Linear 16->12", () => nn.Linear(16, 12), new long[] { 5, 16 }),
        ("Conv1d 4->6 k3 s2 p1 d2", () => nn.Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2), new long[] { 3, 4, 11 }),
        ("Conv2d 4->6 k3 p1 groups 2", () => nn.Conv2d(4, 6, 3, padding: 1, groups: 2), new long[] { 2, 4, 7, 7 }),
        ("Conv3d 2->4 k3 p1", () => nn.Conv3d(2, 4, 3, padding: 1), new long[] { 2, 2, 4, 5, 5 }),
    };

    private static readonly int[] DendriteCounts = { 0, 1, 3 };

    private static readonly (string Name, ScalarType Type, double Tolerance)[] DTypes =
    {
        // float32 convolutions may run in TF32 on cuDNN (libtorch's default), hence more than float32's 1e-7.
        ("float32", ScalarType.Float32, 5e-3),
        ("float16", ScalarType.Float16, 1e-2),
        ("bfloat16", ScalarType.BFloat16, 6e-2),
    };

    /// <summary>Runs every case and prints the table; returns the number of failures.</summary>
    /// <param name="target">Device under test: cuda, or cpu for a dry run of the check itself.</param>
    public static int Run(string target)
    {
        var device = TorchEnv.Device(target);
        Console.WriteLine("| host | D | dtype | output err | grad err | tol | AddDendrites: output change | new params on cuda/dtype | result |");
        Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |");
        var failures = 0;
        foreach (var host in Hosts)
        {
            foreach (var dendrites in DendriteCounts)
            {
                foreach (var dtype in DTypes)
                {
                    failures += RunCase(device, host.Name, host.Make, host.Input, dendrites, dtype.Name, dtype.Type, dtype.Tolerance) ? 0 : 1;
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "cuda-check: all cases passed" : $"cuda-check: {failures} case(s) failed");
        return failures;
    }

    private static bool RunCase(Device target, string name, Func<nn.Module> make, long[] inputShape, int dendrites, string dtypeName, ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var reference = Build(make, dendrites);
        var device = Build(make, dendrites);
        using (no_grad())
        {
            foreach (var set in reference.Branch.Sets)
            {
                set.OutputScale.uniform_(-1, 1);
                set.CascadeWeights?.uniform_(-1, 1);
            }

            // Round the reference's parameters to the device dtype, then give the device layer the same values.
            var copies = device.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (parameterName, parameter) in reference.named_parameters())
            {
                parameter.copy_(parameter.to(dtype).to(ScalarType.Float64));
                copies[parameterName].copy_(parameter);
            }
        }

        device.to(target).to(dtype);
        var x = randn(inputShape, dtype: ScalarType.Float64).to(dtype).to(ScalarType.Float64);
        var xRef = x.detach().requires_grad_(true);
        var xDev = x.to(dtype).to(target).detach().requires_grad_(true);

        var outRef = reference.call(xRef);
        var gradOut = randn_like(outRef).to(dtype).to(ScalarType.Float64);
        outRef.backward(new[] { gradOut });
        var outDev = device.call(xDev);
        outDev.backward(new[] { gradOut.to(dtype).to(target) });

        var outputError = RelativeError(outDev, outRef);
        var gradError = RelativeError(xDev.grad!, xRef.grad!);
        var deviceParameters = device.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (parameterName, parameter) in reference.named_parameters())
        {
            var deviceGrad = deviceParameters[parameterName].grad;
            if (parameter.grad is not null && deviceGrad is not null)
            {
                gradError = Math.Max(gradError, RelativeError(deviceGrad, parameter.grad));
            }
            else if (parameter.grad is not null || deviceGrad is not null)
            {
                gradError = double.PositiveInfinity;
            }
        }

        var onDevice = device.parameters().All(p => p.device_type == target.type && p.dtype == dtype);

        // Growth on the device: one more set must leave the output as it was, with its parameters on CUDA in dtype.
        double growthChange;
        bool newOnDevice;
        using (no_grad())
        {
            var before = device.call(xDev);
            var added = device.AddDendrites(1);
            var after = device.call(xDev);
            growthChange = (after.to(ScalarType.Float64) - before.to(ScalarType.Float64)).abs().max().cpu().item<double>();
            newOnDevice = added.All(p => p.device_type == target.type && p.dtype == dtype);
        }

        var pass = outputError <= tolerance && gradError <= tolerance && onDevice && newOnDevice && growthChange <= tolerance;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {dendrites} | {dtypeName} | {outputError:0.0e+0} | {gradError:0.0e+0} | {tolerance:0e+0} | {(growthChange == 0 ? "0 (bitwise)" : growthChange.ToString("0.0e+0", CultureInfo.InvariantCulture))} | {(onDevice && newOnDevice ? "yes" : "NO")} | {(pass ? "pass" : "FAIL")} |"));
        reference.Dispose();
        device.Dispose();
        return pass;
    }

    private static DendriteLayer Build(Func<nn.Module> make, int dendrites)
    {
        var host = make();
        host.to(ScalarType.Float64);
        return new DendriteLayer(host, dendrites: dendrites);
    }

    /// <summary>max |actual - expected| / max |expected|, in float64 on the CPU.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        var a = actual.detach().to(ScalarType.Float64).cpu();
        var e = expected.detach().to(ScalarType.Float64).cpu();
        var scale = Math.Max(e.abs().max().item<double>(), 1e-12);
        return (a - e).abs().max().item<double>() / scale;
    }
}
