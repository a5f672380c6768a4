using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Watches the activation scales of a wrapped model's dendrites (see <see cref="DendriticModel.MonitorActivations"/>):
/// per layer, the mean |a_k| and the share of saturated outputs of every forward pass while it is
/// <see cref="Enabled"/>, the mean |u|, and the dendrite gradient norm of every <see cref="RecordGradients"/> call.
/// The sums stay on the model's device; <see cref="Collect"/> reads them with one host transfer, returns them and
/// starts a new window. A <see cref="GrowthScheduler"/> on the same handle records the window in its history at each
/// <see cref="GrowthScheduler.Step"/>. Dispose it (or unwrap the model) to stop monitoring; off, it costs nothing.
/// </summary>
public sealed class ActivationMonitor : IDisposable
{
    private readonly DendriticModel _handle;
    private readonly ActivationTap[] _taps;
    private bool _enabled = true;
    private bool _disposed;
    private IReadOnlyList<LayerActivationStats>? _uncommitted;

    internal ActivationMonitor(DendriticModel handle, ActivationMonitorOptions options)
    {
        _handle = handle;
        Options = options;
        _taps = handle.Attachments.Select(a => new ActivationTap(a.Branch.Options.Activation)).ToArray();
        Attach(true);
    }

    /// <summary>The options it judges with.</summary>
    public ActivationMonitorOptions Options { get; }

    /// <summary>
    /// Whether forward passes are recorded now. Default true. Switch it off around passes that should not count
    /// (the harness records only its probe pass); off, the layers run exactly as without a monitor.
    /// </summary>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            ThrowIfDisposed();
            _enabled = value;
            Attach(value);
        }
    }

    /// <summary>
    /// Adds the L2 norm of each layer's dendrite gradients as they are now to the window: call it after
    /// <c>loss.backward()</c> and before the optimizer clears them. Costs a few small device operations per layer, no host read.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The monitor was disposed (directly, or by unwrapping the model); start a new one with <see cref="DendriticModel.MonitorActivations"/>.</exception>
    public void RecordGradients()
    {
        ThrowIfDisposed();
        for (var i = 0; i < _taps.Length; i++)
        {
            _taps[i].RecordGradients(_handle.Attachments[i].Branch.parameters());
        }
    }

    /// <summary>
    /// The window's statistics per wrapped layer (model order), read with one host transfer; then a new window starts.
    /// Logs a warning (event 1200) for each layer whose saturated share exceeds <see cref="ActivationMonitorOptions.SaturationWarningLevel"/>.
    /// </summary>
    /// <returns>One entry per wrapped layer.</returns>
    /// <exception cref="ObjectDisposedException">The monitor was disposed (directly, or by unwrapping the model); start a new one with <see cref="DendriticModel.MonitorActivations"/>.</exception>
    public IReadOnlyList<LayerActivationStats> Collect()
    {
        ThrowIfDisposed();
        var attachments = _handle.Attachments;
        double[] sums;
        using (NewDisposeScope())
        {
            var device = attachments.Count == 0 ? CPU : attachments[0].HostWeight.device;
            var parts = attachments.Select((a, i) => _taps[i].Sums(a.Branch, device)).ToList();
            sums = parts.Count == 0 ? Array.Empty<double>() : cat(parts).cpu().data<double>().ToArray();
        }

        var stats = new List<LayerActivationStats>(attachments.Count);
        for (var i = 0; i < attachments.Count; i++)
        {
            var (tap, branch) = (_taps[i], attachments[i].Branch);
            var outputScales = branch.Count * branch.Spec.OutFeatures;
            var layer = new LayerActivationStats
            {
                Layer = attachments[i].Path,
                DendriteCount = branch.Count,
                Activations = tap.Count,
                MeanAbsActivation = tap.Count == 0 ? null : sums[4 * i] / tap.Count,
                SaturatedFraction = tap.Count == 0 ? null : sums[(4 * i) + 1] / tap.Count,
                GradientNorm = tap.GradientSteps == 0 ? null : sums[(4 * i) + 2] / tap.GradientSteps,
                GradientSteps = tap.GradientSteps,
                MeanAbsOutputScale = outputScales == 0 ? null : sums[(4 * i) + 3] / outputScales,
            };
            stats.Add(layer);
            tap.Reset();
            if (layer.SaturatedFraction > Options.SaturationWarningLevel && _handle.Options.Logger.IsEnabled(LogLevel.Warning))
            {
                MonitorLog.Saturated(_handle.Options.Logger, layer.Layer, layer.SaturatedFraction.Value, branch.Options.Activation, Options.SaturationWarningLevel);
            }
        }

        // Read-only: the same list becomes the growth history's row (Take), which a cast must not be able to change.
        var collected = stats.AsReadOnly();
        _uncommitted = collected;
        return collected;
    }

    /// <summary>Stops monitoring: the layers run as without a monitor again, and the handle can start a new one.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Attach(false);
        foreach (var tap in _taps)
        {
            tap.Dispose();
        }

        _disposed = true;
        _handle.MonitorStopped(this);
    }

    /// <summary>
    /// For the scheduler's history: the last <see cref="Collect"/> result not yet taken, or, when nothing was
    /// collected since the previous call, a fresh collection (null when nothing at all was recorded).
    /// </summary>
    internal IReadOnlyList<LayerActivationStats>? TakeForHistory()
    {
        if (_disposed)
        {
            return null;
        }

        var taken = _uncommitted ?? (_taps.Any(t => t.Count > 0 || t.GradientSteps > 0) ? Collect() : null);
        _uncommitted = null;
        return taken;
    }

    private void Attach(bool on)
    {
        for (var i = 0; i < _taps.Length; i++)
        {
            _handle.Attachments[i].Branch.Tap = on ? _taps[i] : null;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
