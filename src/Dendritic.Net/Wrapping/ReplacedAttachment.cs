using System;
using TorchSharp;
using TorchSharp.Modules;

namespace Dendritic;

/// <summary>
/// A layer replaced in its parent by a <see cref="DendriteLayer"/>, by <see cref="Dendrites.Wrap"/> or by hand (then
/// adopted by <see cref="Dendrites.Adopt"/>). Without a slot (an adopted layer that is the model itself or sits in a
/// field typed as <see cref="DendriteLayer"/>), detaching leaves the layer in place and removes its dendrite sets.
/// </summary>
internal sealed class ReplacedAttachment : LayerAttachment
{
    private readonly ModuleSlot? _slot;

    public ReplacedAttachment(string path, DendriteLayer layer, ModuleSlot? slot)
        : base(path, layer.Spec)
    {
        Layer = layer;
        _slot = slot;
        layer.HostOutputObserver = Observe;
    }

    public DendriteLayer Layer { get; }

    public override AttachMode Mode => AttachMode.Replaced;

    public override DendriteBranch Branch => Layer.Branch;

    public override bool Enabled
    {
        get => Layer.Enabled;
        set => Layer.Enabled = value;
    }

    public override long ForwardCalls => Layer.ForwardCalls;

    public override string DendriteKeyPrefix => (Path.Length == 0 ? string.Empty : Path + ".") + DendriteLayer.BranchKey + ".";

    public override Parameter HostWeight => Layer.Weight;

    public override Parameter? HostBias => Layer.Bias;

    protected override void DetachCore()
    {
        Layer.HostOutputObserver = null;
        Layer.Owner = null;
        if (_slot is null)
        {
            Layer.Branch.RemoveLast(Layer.Branch.Count);
            return;
        }

        _slot.Set(Layer.DetachHostCore());
    }
}
