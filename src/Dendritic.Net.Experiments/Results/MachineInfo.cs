using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dendritic.Experiments;

/// <summary>A one-line description of the machine and software an experiment ran on.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var cpu = CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return string.Create(CultureInfo.InvariantCulture, $"{cpu}, {Environment.ProcessorCount} logical CPUs, {get_num_threads()} torch thread{(get_num_threads() == 1 ? string.Empty : "s")}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, TorchSharp {torchSharp}{(cuda.is_available() ? ", CUDA available" : string.Empty)}");
    }

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
