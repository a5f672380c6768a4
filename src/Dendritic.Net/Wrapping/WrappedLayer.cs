using TorchSharp.Modules;

namespace Dendritic;

/// <summary>A layer of a wrapped model that carries dendrites: its name, how it is attached, and its state.</summary>
public sealed class WrappedLayer
{
    private readonly LayerAttachment _attachment;

    internal WrappedLayer(LayerAttachment attachment) => _attachment = attachment;

    /// <summary>The layer's path in the model, as <c>named_modules()</c> prints it (for example <c>encoder.fc1</c>).</summary>
    public string Name => _attachment.Path;

    /// <summary>How the dendrites are attached: replaced in place or through a forward hook.</summary>
    public AttachMode Mode => _attachment.Mode;

    /// <summary>The host layer's shape and hyper-parameters.</summary>
    public HostLayerSpec Spec => _attachment.Spec;

    /// <summary>The dendrite sets of this layer.</summary>
    public DendriteBranch Branch => _attachment.Branch;

    /// <summary>Number of dendrite sets (dendrites per neuron).</summary>
    public int DendriteCount => _attachment.Branch.Count;

    /// <summary>Whether this layer's dendrites take part in the forward pass. Default true.</summary>
    public bool Enabled
    {
        get => _attachment.Enabled;
        set => _attachment.Enabled = value;
    }

    /// <summary>
    /// The replacing <see cref="DendriteLayer"/>; null when the layer is hooked. Read it freely, but grow and unwrap
    /// through the handle: until <see cref="DendriticModel.Unwrap"/>, its <see cref="DendriteLayer.AddDendrites"/> and
    /// <see cref="DendriteLayer.DetachHost"/> throw <see cref="System.InvalidOperationException"/> naming the handle's member.
    /// </summary>
    public DendriteLayer? Layer => (_attachment as ReplacedAttachment)?.Layer;

    /// <summary>The host's weight parameter.</summary>
    public Parameter HostWeight => _attachment.HostWeight;

    /// <summary>The host's bias parameter, or null.</summary>
    public Parameter? HostBias => _attachment.HostBias;

    /// <summary>Prefix of this layer's dendrite keys in the model's state dict (ends with a dot).</summary>
    public string DendriteKeyPrefix => _attachment.DendriteKeyPrefix;

    /// <summary>Output positions per sample (time steps or pixels) seen in the check pass; null when none ran.</summary>
    public long? PositionsPerSample => _attachment.PositionsPerSample;

    /// <summary>This layer's parameter counts and FLOPs.</summary>
    public LayerCost Cost => LayerCost.Of(this);

    internal LayerAttachment Attachment => _attachment;

    /// <summary>A one-line status: name, host, mode, dendrite count, and "(switched off)" while <see cref="Enabled"/> is false.</summary>
    /// <returns>The status.</returns>
    // "switched off" as ModelCostReport.ToMarkdown and the docs say it, so that one state has one name everywhere.
    public override string ToString() => $"{Name}: {Spec}, {Mode}, {DendriteCount} dendrite sets{(Enabled ? string.Empty : " (switched off)")}";
}
