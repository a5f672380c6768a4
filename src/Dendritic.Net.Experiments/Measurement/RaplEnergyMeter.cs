using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Dendritic.Experiments;

/// <summary>
/// CPU package energy from Linux powercap RAPL (/sys/class/powercap/intel-rapl:N/energy_uj; AMD uses the same names).
/// It counts the whole package, including other processes, and handles counter wrap-around.
/// </summary>
internal sealed class RaplEnergyMeter : EnergyMeter
{
    private const string Root = "/sys/class/powercap";
    private readonly List<(string Path, double? RangeMicrojoules)> _packages;
    private readonly double[] _last;
    private double _total;

    private RaplEnergyMeter(List<(string Path, double? RangeMicrojoules)> packages, double[] first)
    {
        _packages = packages;
        _last = first;
    }

    public override string Source => string.Create(CultureInfo.InvariantCulture, $"RAPL, {_packages.Count} CPU package(s), whole package incl. other processes");

    public static RaplEnergyMeter? TryCreate(out string reason) => TryCreate(Root, out reason);

    /// <summary><see cref="TryCreate(out string)"/> on the powercap tree at <paramref name="root"/> (tests give a folder of their own).</summary>
    internal static RaplEnergyMeter? TryCreate(string root, out string reason)
    {
        if (!Directory.Exists(root))
        {
            reason = "not measured: no RAPL (/sys/class/powercap absent)";
            return null;
        }

        var packages = new List<(string, double?)>();
        try
        {
            foreach (var dir in Directory.GetDirectories(root, "intel-rapl:*").Where(d => Path.GetFileName(d).Count(c => c == ':') == 1).Order(StringComparer.Ordinal))
            {
                double? range = File.Exists(Path.Combine(dir, "max_energy_range_uj")) ? ReadNumber(Path.Combine(dir, "max_energy_range_uj")) : null;
                packages.Add((Path.Combine(dir, "energy_uj"), range));
            }

            if (packages.Count == 0)
            {
                reason = "not measured: no RAPL package domains under /sys/class/powercap";
                return null;
            }

            var first = packages.Select(p => ReadNumber(p.Item1)).ToArray();
            reason = string.Empty;
            return new RaplEnergyMeter(packages, first);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            reason = "not measured: RAPL counters not readable (" + ex.GetType().Name + "; they are often root-only)";
            return null;
        }
    }

    public override double? ReadJoules()
    {
        var wrappedBlind = false;
        try
        {
            for (var i = 0; i < _packages.Count; i++)
            {
                var now = ReadNumber(_packages[i].Path);
                var delta = now - _last[i];
                _last[i] = now;
                if (delta < 0)
                {
                    if (_packages[i].RangeMicrojoules is not { } range)
                    {
                        // Wrapped, and the kernel gives no range to add back: the energy since the last read is
                        // unknown, so this read is too (the harness then reports the arm's energy as not measured).
                        wrappedBlind = true;
                        continue;
                    }

                    delta += range;
                }

                _total += delta;
            }

            return wrappedBlind ? null : _total / 1e6;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static double ReadNumber(string path) => double.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
