using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>One wrapped layer as the wrapper manages it: where its dendrites live and how to take them away again.</summary>
internal abstract class LayerAttachment : IStructureSource
{
    private bool _observing;
    private bool _detached;
    private long _tally;

    protected LayerAttachment(string path, HostLayerSpec spec)
    {
        Path = path;
        Spec = spec;
    }

    public string Path { get; }

    public HostLayerSpec Spec { get; }

    public abstract AttachMode Mode { get; }

    public abstract DendriteBranch Branch { get; }

    public abstract bool Enabled { get; set; }

    public abstract long ForwardCalls { get; }

    /// <summary>
    /// Output positions per sample (time steps, pixels), summed over the layer's calls in the last observed forward
    /// pass; null before one.
    /// </summary>
    public long? PositionsPerSample { get; private set; }

    /// <summary>
    /// While true, each call adds its output positions to a fresh tally; turning it off stores the tally in
    /// <see cref="PositionsPerSample"/> when the layer ran (a layer that did not run keeps its last count).
    /// </summary>
    public bool ObserveShapes
    {
        get => _observing;
        set
        {
            if (_observing && !value && _tally > 0)
            {
                PositionsPerSample = _tally;
            }

            _observing = value;
            _tally = 0;
        }
    }

    /// <summary>The samples in the batch of the check pass now observing; null outside one, or to read them from each output.</summary>
    public CheckPassSamples? CheckPassSamples { get; set; }

    /// <summary>Prefix of the dendrite parameters' keys in the model's state dict, ending with a dot.</summary>
    public abstract string DendriteKeyPrefix { get; }

    public abstract Parameter HostWeight { get; }

    public abstract Parameter? HostBias { get; }

    /// <summary>Scalars in the host's parameters (weight and bias; every parameter of a module host).</summary>
    public virtual long HostParameterCount => HostWeight.numel() + (HostBias?.numel() ?? 0);

    /// <summary>The host's parameters, named: its weight and bias; every parameter of a module host.</summary>
    public virtual IReadOnlyList<(string Name, Parameter Parameter)> NamedHostParameters() => LayerStructure.WeightAndBias(HostWeight, HostBias);

    /// <summary>
    /// Removes the newest sets or adds fresh ones (on the host weight's device and dtype) until the layer has
    /// <paramref name="count"/>; used to bring a layer back to the structure of a snapshot or checkpoint.
    /// </summary>
    public void ResizeDendrites(int count)
    {
        var current = Branch.Count;
        if (current > count)
        {
            Branch.RemoveLast(current - count);
        }
        else if (current < count)
        {
            var weight = HostWeight;
            Branch.Add(count - current, weight.device, weight.dtype);
        }
    }

    /// <summary>Restores the model around this layer to its original structure.</summary>
    public void Detach()
    {
        DetachCore();
        _detached = true;
    }

    /// <inheritdoc />
    string IStructureSource.StructureName => Path;

    /// <inheritdoc />
    LayerStructure IStructureSource.CurrentStructure(bool trained) => LayerStructure.Of(Branch, !_detached, Enabled, HostWeight, HostBias, trained ? NamedHostParameters() : null);

    /// <summary>What <see cref="Detach"/> does for this kind of attachment.</summary>
    protected abstract void DetachCore();

    /// <summary>Called with the host's output on every forward: counts output positions while asked to, and records the layer for a CUDA graph capture (<see cref="StructureWatch"/>).</summary>
    protected void Observe(Tensor output)
    {
        StructureWatch.Record(this);
        if (_observing)
        {
            _tally += FlopCounter.PositionsPerSample(Spec, output, CheckPassSamples?.Current);
        }
    }
}
