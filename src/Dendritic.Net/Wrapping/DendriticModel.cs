using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The handle returned by <see cref="Dendrites.Wrap"/> (or <see cref="Dendrites.Adopt"/> for a model built with
/// <see cref="DendriteLayer"/>s by hand), which the growth scheduler, pruner, checkpoints and ONNX export take: lists the wrapped layers, switches dendrites on and off,
/// grows and shrinks them, freezes parts of the model, snapshots weights and unwraps. Parameter lists it returns are
/// materialised: build optimizers from them, and rebuild after growth or after moving the model to another device
/// or dtype (both replace parameter objects).
/// </summary>
public sealed partial class DendriticModel
{
    private readonly List<LayerAttachment> _attachments;
    private readonly DendriteHookContainer? _container;
    private bool _unwrapped;
    private long? _unwrappedLayerFlops;
    private IReadOnlyList<string> _unwrappedLayersNotSeen = [];

    internal DendriticModel(nn.Module model, List<LayerAttachment> attachments, DendriteHookContainer? container, WrapOptions options)
    {
        Model = model;
        _attachments = attachments;
        _container = container;
        Options = options;
        Layers = attachments.Select(a => new WrappedLayer(a)).ToArray();

        // Its layers' own structure-changing members refuse from now on, until Unwrap: they would change one layer behind the handle.
        var self = new WeakReference<DendriticModel>(this);
        foreach (var replaced in attachments.OfType<ReplacedAttachment>())
        {
            replaced.Layer.Owner = new LayerOwner(self, replaced.Path);
        }
    }

    /// <summary>The wrapped model (changed in place; its own forward runs the dendrites).</summary>
    public nn.Module Model { get; }

    /// <summary>
    /// The options the model was wrapped with. Every layer of a wrapped model has their <see cref="WrapOptions.Dendrite"/>;
    /// an adopted model's (<see cref="Dendrites.Adopt"/>) record its first layer's, and each layer keeps its own, which
    /// may differ: a layer's are its <see cref="DendriteBranch.Options"/> (<c>Layers[i].Branch.Options</c>), which is
    /// what every computation, export and checkpoint of the layer uses.
    /// </summary>
    public WrapOptions Options { get; }

    /// <summary>The growth scheduler built on this handle last; null before one (for the two-schedulers warning).</summary>
    internal GrowthScheduler? Scheduler { get; set; }

    /// <summary>
    /// Set by <see cref="DendriteCheckpoint.Load"/> when the file was a growth run's resume point, cleared by
    /// <see cref="GrowthScheduler.Resume"/>: while set, <see cref="DendriteCheckpoint.Save"/> and the ONNX export warn
    /// (1103) that the weights are the last epoch's, not the best.
    /// </summary>
    internal ResumePointOrigin? LoadedResumePoint { get; set; }

    /// <summary>
    /// The wrapped layers in model order: depth first, a nested container's layers before the layers after it (PyTorch's
    /// <c>named_modules()</c> order; TorchSharp's own lists every child of a container before any grandchild).
    /// </summary>
    public IReadOnlyList<WrappedLayer> Layers { get; }

    /// <summary>Dendrite sets per layer (the largest, should layers differ).</summary>
    public int DendriteCount => _unwrapped || _attachments.Count == 0 ? 0 : _attachments.Max(a => a.Branch.Count);

    /// <summary>
    /// Whether the dendrites run: the getter is true only when every wrapped layer's dendrites are on, and false as soon
    /// as one layer is switched off (<see cref="WrappedLayer.Enabled"/>), so false does not mean that all are off; read
    /// each layer's <see cref="WrappedLayer.Enabled"/> for that. Setting it switches every layer on or off. Default true.
    /// </summary>
    public bool Enabled
    {
        get => _attachments.All(a => a.Enabled);
        set
        {
            ThrowIfUnwrapped();
            foreach (var attachment in _attachments)
            {
                attachment.Enabled = value;
            }
        }
    }

    /// <summary>
    /// Switches every layer's dendrites off until the returned scope is disposed, which restores each layer's
    /// previous state: <c>using (handle.Disable()) { baseline = model.call(x); }</c>.
    /// </summary>
    /// <returns>The scope.</returns>
    /// <exception cref="InvalidOperationException">The model was unwrapped; wrap it again to get a new handle.</exception>
    public IDisposable Disable()
    {
        ThrowIfUnwrapped();
        var previous = _attachments.Select(a => a.Enabled).ToArray();
        Enabled = false;
        return new RestoreScope(() =>
        {
            for (var i = 0; i < previous.Length; i++)
            {
                _attachments[i].Enabled = previous[i];
            }
        });
    }

    /// <summary>
    /// Adds <paramref name="count"/> dendrite sets to every wrapped layer, on each host's device and dtype. The
    /// model's output is unchanged at that moment. Returns the new parameters: add them to (or rebuild) the optimizer.
    /// </summary>
    /// <param name="count">Sets per layer; at least 1. Default 1.</param>
    /// <returns>The new parameters, materialised.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1; nothing is added.</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    /// <remarks>
    /// <para>
    /// Build (or rebuild) the optimizer after AddDendrites, from <see cref="TrainableParameters"/>: one built before
    /// never trains the new sets, or, built from the lazy <c>model.parameters()</c>, fails at <c>step()</c> with
    /// TorchSharp's bare <see cref="KeyNotFoundException"/>.
    /// </para>
    /// <para>
    /// This is the one way to grow a wrapped or adopted model: the <see cref="DendriteLayer"/>s it holds
    /// (<see cref="WrappedLayer.Layer"/>) refuse their own <see cref="DendriteLayer.AddDendrites"/> and
    /// <see cref="DendriteLayer.DetachHost"/> until <see cref="Unwrap"/>, since growing one layer alone would put the
    /// handle's layers out of step.
    /// </para>
    /// </remarks>
    public IReadOnlyList<Parameter> AddDendrites(int count = 1)
    {
        ThrowIfUnwrapped();
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var added = new List<Parameter>();
        foreach (var attachment in _attachments)
        {
            var weight = attachment.HostWeight;
            foreach (var set in attachment.Branch.Add(count, weight.device, weight.dtype))
            {
                added.AddRange(set.parameters());
            }
        }

        if (Options.Logger.IsEnabled(LogLevel.Information))
        {
            DendriticLog.DendritesAdded(Options.Logger, count, _attachments.Count, DendriteCount, added.Sum(p => p.numel()));
        }
        return added;
    }

    /// <summary>Removes the last <paramref name="count"/> dendrite sets of every layer (undoing a growth step).</summary>
    /// <param name="count">Sets per layer; at least 1, at most the current count. Default 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1, or above some layer's sets (the message names that layer); nothing is removed.</exception>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    public void RemoveLastDendrites(int count = 1)
    {
        ThrowIfUnwrapped();
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (_attachments.MinBy(a => a.Branch.Count) is { } fewest && count > fewest.Branch.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Cannot remove {count} dendrite sets from every layer: layer '{fewest.Path}' has only {fewest.Branch.Count}. Remove at most {fewest.Branch.Count}; nothing was removed.");
        }

        foreach (var attachment in _attachments)
        {
            attachment.Branch.RemoveLast(count);
        }

        DendriticLog.DendritesRemoved(Options.Logger, count, _attachments.Count);
    }

    /// <summary>Every parameter of the model (base and dendrites), materialised.</summary>
    /// <returns>The parameters.</returns>
    public IReadOnlyList<Parameter> Parameters() => Model.parameters().ToList();

    /// <summary>The parameters that currently require gradients, materialised: what an optimizer should get.</summary>
    /// <returns>The trainable parameters.</returns>
    /// <remarks>
    /// Build (or rebuild) the optimizer after <see cref="Dendrites.Wrap"/> and <see cref="AddDendrites"/> (and after
    /// growth, pruning or a move to another device or dtype), from this list: one built from the lazy
    /// <c>model.parameters()</c> before Wrap fails at <c>step()</c> with TorchSharp's bare <see cref="KeyNotFoundException"/>.
    /// </remarks>
    public IReadOnlyList<Parameter> TrainableParameters() => Model.parameters().Where(p => p.requires_grad).ToList();

    /// <summary>All dendrite parameters (every set of every layer), materialised; empty after <see cref="Unwrap"/>, which removes the dendrites.</summary>
    /// <returns>The dendrite parameters.</returns>
    public IReadOnlyList<Parameter> DendriteParameters() => _unwrapped ? [] : _attachments.SelectMany(a => a.Branch.parameters()).ToList();

    /// <summary>All parameters of the base model (everything that is not a dendrite), materialised.</summary>
    /// <returns>The base parameters.</returns>
    public IReadOnlyList<Parameter> BaseParameters()
    {
        var dendrites = new HashSet<IntPtr>(DendriteParameters().Select(p => p.Handle));
        return Model.parameters().Where(p => !dendrites.Contains(p.Handle)).ToList();
    }

    /// <summary>
    /// Freezes (false) or unfreezes (true) every base-model parameter, the hosts included. Parameters only, as
    /// <c>requires_grad</c>: buffers such as batch normalization's running statistics still update in train mode, so
    /// to keep them fixed put those modules in eval mode after each <c>model.train()</c>.
    /// </summary>
    /// <param name="trainable">Whether base parameters require gradients.</param>
    public void SetBaseTrainable(bool trainable)
    {
        foreach (var parameter in BaseParameters())
        {
            parameter.requires_grad = trainable;
        }
    }

    /// <summary>Freezes (false) or unfreezes (true) every dendrite set of every layer.</summary>
    /// <param name="trainable">Whether dendrite parameters require gradients.</param>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    public void SetDendritesTrainable(bool trainable)
    {
        ThrowIfUnwrapped();
        foreach (var set in _attachments.SelectMany(a => a.Branch.Sets))
        {
            set.Frozen = !trainable;
        }
    }

    /// <summary>The base model's state dict with its original keys, without any dendrite entry.</summary>
    /// <returns>Key to tensor (the live tensors, not copies).</returns>
    public Dictionary<string, Tensor> BaseStateDict()
    {
        var prefixes = _attachments.Select(a => a.DendriteKeyPrefix).ToArray();
        return Model.state_dict()
            .Where(kv => !prefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>
    /// Runs <paramref name="forward"/> (a forward pass of your model) in eval mode without gradients and checks that
    /// every wrapped layer's forward hook or replacement ran. Afterwards every module has its own previous mode again (a BatchNorm kept
    /// in eval mode inside a training model stays in eval mode). Also records the FLOP report's output positions per sample, of
    /// the wrapped layers and of the Linear and convolution layers without dendrites.
    /// </summary>
    /// <param name="forward">Calls the model on a representative input.</param>
    /// <param name="samples">
    /// Samples in the batch that <paramref name="forward"/> runs, which output positions are counted per. When null
    /// (the default), the model input's first dimension at each <c>call()</c> of a <c>Module&lt;Tensor, Tensor&gt;</c>
    /// model (batch axis first, as <see cref="Dendrites.Wrap"/>'s sample input), else each layer output's first
    /// dimension. Give it for a model whose input is not batch-first (time-major (T, B, F), batch_first false) or of
    /// several inputs whose layers are not batch-first.
    /// </param>
    /// <exception cref="LayerNotInvokedException">Some layers did not run; the message says how to fix it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is less than 1.</exception>
    public void Verify(Action forward, long? samples = null)
    {
        ThrowIfUnwrapped();
        ArgumentNullException.ThrowIfNull(forward);
        if (samples < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "Verify counts output positions per sample of a batch of at least 1 sample; give the batch size that the forward pass runs, or null to read it from the model input.");
        }

        var before = _attachments.Select(a => a.ForwardCalls).ToArray();

        // The layers without dendrites are counted in the same pass, so that the report covers the whole model; every
        // layer divides by the same batch, the model input's, so that a batch-second layer counts per sample too.
        using var batch = CheckPassSamples.Watch(Model, samples);
        using var unwrapped = LayerFlopTally.Attach(LayerFlopTally.Unwrapped(Model, _attachments), () => batch.Current);
        var modes = EvalModeScope.Enter(Model);
        foreach (var attachment in _attachments)
        {
            attachment.CheckPassSamples = batch;
            attachment.ObserveShapes = true;
        }

        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            forward();
        }
        finally
        {
            foreach (var attachment in _attachments)
            {
                attachment.ObserveShapes = false;
                attachment.CheckPassSamples = null;
            }

            modes.Dispose();
        }

        var silent = _attachments.Where((a, i) => a.ForwardCalls == before[i]).Select(a => a.Path).ToList();
        if (silent.Count > 0)
        {
            throw new LayerNotInvokedException(silent, this);
        }

        FirstForwardCheck = null;
        _unwrappedLayerFlops = unwrapped.HostFlopsPerSample;
        _unwrappedLayersNotSeen = unwrapped.NotSeen(Model);
        DendriticLog.Verified(Options.Logger, _attachments.Count);
    }

    /// <summary>
    /// Starts watching the dendrites' activation scales (mean |a|, saturated share, mean |u|, gradient norm per layer):
    /// see <see cref="ActivationMonitor"/>. Only forward passes while it is on pay for it, a few small device
    /// operations per dendrite set and no host read; <see cref="ActivationMonitor.Collect"/> reads a window at once.
    /// </summary>
    /// <param name="options">Warning level; <see cref="ActivationMonitorOptions.Default"/> when null.</param>
    /// <returns>The monitor; dispose it to stop.</returns>
    /// <exception cref="InvalidOperationException">A monitor is already on (dispose it first), or the model was unwrapped.</exception>
    /// <exception cref="InvalidOptionsException">An invalid option.</exception>
    public ActivationMonitor MonitorActivations(ActivationMonitorOptions? options = null)
    {
        ThrowIfUnwrapped();
        if (ActivationMonitor is not null)
        {
            throw new InvalidOperationException("This model already has an activation monitor; dispose it before starting another.");
        }

        ActivationMonitor = new ActivationMonitor(this, (options ?? ActivationMonitorOptions.Default).Validate());
        return ActivationMonitor;
    }

    /// <summary>The monitor started by <see cref="MonitorActivations"/> and not yet disposed; null when none.</summary>
    public ActivationMonitor? ActivationMonitor { get; private set; }

    /// <summary>
    /// Parameter and FLOP counts, base against dendrites, per wrapped layer, for the other layers and for the whole
    /// model; native modules (whose layers cannot carry dendrites) are listed with their parameters. FLOPs are those of
    /// the last check pass (<see cref="Verify"/>, or Wrap's on its sample input).
    /// </summary>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidOperationException">The model was unwrapped (its dendrites are gone); wrap it again to get a new handle.</exception>
    public ModelCostReport Report()
    {
        ThrowIfUnwrapped();
        var layers = Layers.Select(l => l.Cost).ToList();
        // A native module that is a module host, or inside one, is counted in its layer's row.
        var hosted = ModuleHostAttachment.HostedModules(_attachments);
        var natives = NativeModule.Find(Model).Where(n => !hosted.Contains(n.Module)).Select(n => new NativeModuleCost { Name = n.Path, Type = n.TypeName, Parameters = n.Parameters }).ToList();
        return new ModelCostReport { Layers = layers, BaseParameters = BaseParameters().Sum(p => p.numel()), NativeModules = natives, OtherBaseFlopsPerSample = _unwrappedLayerFlops, LayersNotSeen = _unwrappedLayersNotSeen };
    }

    /// <summary>
    /// Takes every dendrite away and returns the model to exactly its original structure (the original layer objects
    /// back in their places), keeping the trained host weights. The handle is unusable afterwards. For an adopted
    /// model, each host goes back where its <see cref="DendriteLayer"/> was; a layer without a parent slot (the model
    /// itself, or a field typed as <see cref="DendriteLayer"/>) stays, with its dendrite sets removed.
    /// </summary>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidOperationException">The model was unwrapped already (this handle is spent); wrap or adopt it again for a new handle.</exception>
    public nn.Module Unwrap()
    {
        ThrowIfUnwrapped();
        FirstForwardCheck = null;
        ActivationMonitor?.Dispose();
        Dendrites.Detach(Model, _attachments, _container);
        Dendrites.Forget(Model);
        _unwrapped = true;
        DendriticLog.Unwrapped(Options.Logger, _attachments.Count);
        return Model;
    }

    internal IReadOnlyList<LayerAttachment> Attachments => _attachments;

    internal void MonitorStopped(ActivationMonitor monitor)
    {
        if (ReferenceEquals(ActivationMonitor, monitor))
        {
            ActivationMonitor = null;
        }
    }

    internal bool IsUnwrapped => _unwrapped;

    /// <summary>
    /// The check that hooked layers ran in the model's first forward pass, set by a wrap without a check pass;
    /// a passing Verify or Unwrap removes it (setting it disposes the previous one).
    /// </summary>
    internal FirstForwardCheck? FirstForwardCheck
    {
        get => _firstForwardCheck;
        set
        {
            _firstForwardCheck?.Dispose();
            _firstForwardCheck = value;
        }
    }

    private FirstForwardCheck? _firstForwardCheck;

    /// <summary>Throws when <see cref="Unwrap"/> has run: every use that would act on the model or report on its dendrites calls it first.</summary>
    /// <exception cref="InvalidOperationException">The handle was unwrapped.</exception>
    internal void ThrowIfUnwrapped()
    {
        if (_unwrapped)
        {
            throw new InvalidOperationException("This model has been unwrapped; wrap it again (or adopt it, for a model built with DendriteLayers) to get a new handle.");
        }
    }
}
