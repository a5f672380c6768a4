using System;
using System.Globalization;
using System.Threading;

namespace Dendritic.Experiments;

/// <summary>
/// Samples a GPU's utilisation and used memory through NVML (<see cref="NvmlDevice"/>) on a timer while an arm runs:
/// <see cref="Start"/> opens a window, <see cref="Stop"/> returns its mean utilisation and peak memory. One reading
/// every <see cref="Interval"/> on a thread-pool timer, so the training thread pays nothing.
/// </summary>
internal sealed class GpuUsageSampler : IDisposable
{
    private readonly Func<double?> _utilization;
    private readonly Func<double?> _usedMiB;
    private readonly IDisposable? _owner;
    private readonly object _gate = new();
    private Timer? _timer;
    private double _utilizationSum;
    private int _utilizationSamples;
    private double? _peakMiB;

    internal GpuUsageSampler(Func<double?> utilization, Func<double?> usedMiB, string source, TimeSpan interval, IDisposable? owner = null)
    {
        _utilization = utilization;
        _usedMiB = usedMiB;
        Source = source;
        Interval = interval;
        _owner = owner;
    }

    /// <summary>What is measured, for reports.</summary>
    public string Source { get; }

    /// <summary>Time between readings.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The sampler for <paramref name="device"/> ("cuda" or "cuda:N"), or null with "not measured: why".</summary>
    public static GpuUsageSampler? For(string device, out string reason)
    {
        if (!device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            reason = "not measured: CPU run";
            return null;
        }

        var gpu = NvmlDevice.TryOpenCuda(device, out reason);
        if (gpu is null)
        {
            return null;
        }

        var interval = TimeSpan.FromMilliseconds(100);
        var source = string.Create(CultureInfo.InvariantCulture, $"NVML, {gpu.Target}, sampled every {interval.TotalMilliseconds:0} ms; memory: whole device incl. other processes and libtorch's cached blocks");
        return new GpuUsageSampler(() => gpu.UtilizationPercent(), () => gpu.UsedMemoryBytes() / 1048576.0, source, interval, gpu);
    }

    /// <summary>Starts a new window with one reading now and one per <see cref="Interval"/>.</summary>
    public void Start()
    {
        StopTimer();
        lock (_gate)
        {
            (_utilizationSum, _utilizationSamples, _peakMiB) = (0, 0, null);
        }

        Sample();
        _timer = new Timer(_ => Sample(), null, Interval, Interval);
    }

    /// <summary>Ends the window (with a last reading) and returns its mean utilisation (%) and peak used memory (MiB); null values were unreadable.</summary>
    public (double? UtilizationPercent, double? PeakMemoryMiB) Stop()
    {
        StopTimer();
        Sample();
        lock (_gate)
        {
            return (_utilizationSamples == 0 ? null : _utilizationSum / _utilizationSamples, _peakMiB);
        }
    }

    /// <summary>Takes one reading (the timer's callback; tests call it directly).</summary>
    internal void Sample()
    {
        var utilization = _utilization();
        var used = _usedMiB();
        lock (_gate)
        {
            if (utilization is { } u)
            {
                _utilizationSum += u;
                _utilizationSamples++;
            }

            if (used is { } m && (_peakMiB is null || m > _peakMiB))
            {
                _peakMiB = m;
            }
        }
    }

    public void Dispose()
    {
        StopTimer();
        _owner?.Dispose();
    }

    // Waits for a running callback, so that no reading touches NVML after the device is closed.
    private void StopTimer()
    {
        if (_timer is null)
        {
            return;
        }

        using var stopped = new ManualResetEvent(false);
        if (_timer.Dispose(stopped))
        {
            stopped.WaitOne();
        }

        _timer = null;
    }
}
