using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <content>Adopt: the handle for a model whose layers were wrapped in <see cref="DendriteLayer"/>s by hand.</content>
public static partial class Dendrites
{
    /// <summary>
    /// Gives a model whose layers were wrapped by hand in <see cref="DendriteLayer"/>s the same handle that
    /// <see cref="Wrap"/> returns, over the dendrite layers it already holds, so that the growth scheduler, pruner,
    /// checkpoints and ONNX export take it like any wrapped model. Nothing in the model changes.
    /// </summary>
    /// <param name="model">The model holding <see cref="DendriteLayer"/>s (or a single <see cref="DendriteLayer"/>).</param>
    /// <param name="options">The handle's logger; <see cref="AdoptOptions.Default"/> when null.</param>
    /// <returns>The handle. Its <see cref="DendriticModel.Options"/> record the first layer's dendrite options and
    /// <see cref="WrapOptions.InitialDendrites"/> 0; every layer keeps its own options
    /// (<c>handle.Layers[i].Branch.Options</c>), which checkpoints record where they differ from the first's
    /// (<see cref="CheckpointLayer.Dendrite"/>). <see cref="DendriticModel.Unwrap"/> puts each host back in its
    /// layer's place; a layer with no parent slot to put it in (the model itself, or a field typed as
    /// <see cref="DendriteLayer"/>) stays, with all its dendrite sets removed.</returns>
    /// <exception cref="DendriteWrapException">The model holds no <see cref="DendriteLayer"/>, has hooked dendrites, already has a handle (<see cref="TryGetHandle"/> finds it), holds a layer that belongs to another model's handle, or is being wrapped or adopted on another thread; the model is not touched.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="InvalidOptionsException"><paramref name="options"/> holds invalid values (<see cref="AdoptOptions.Validate"/>); the exception lists each.</exception>
    public static DendriticModel Adopt(nn.Module model, AdoptOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = (options ?? AdoptOptions.Default).Validate();
        using var reservation = WrapReservation.Enter(model);
        if (HasHandle(model))
        {
            throw new DendriteWrapException("This model already has a handle (from Dendrites.Wrap or Dendrites.Adopt). Use the DendriticModel handle you got the first time (Dendrites.TryGetHandle(model, out var handle) finds it again), or Unwrap it first.");
        }

        var modules = ModelOrder.NamedModules(model);
        if (modules.Any(m => m.Item2 is DendriteHookContainer))
        {
            throw new DendriteWrapException("The model carries hooked dendrites from an earlier Dendrites.Wrap; use the handle that Wrap returned.");
        }

        var layers = model is DendriteLayer self
            ? new List<(string, nn.Module)> { (string.Empty, self) }
            : modules.Where(m => m.Item2 is DendriteLayer).Select(m => (m.Item1, m.Item2)).ToList();
        if (layers.Count == 0)
        {
            throw new DendriteWrapException($"The model ({model.GetType().Name}) holds no DendriteLayer to adopt. Put DendriteLayers around its Linear/Conv layers first, or call Dendrites.Wrap, which adds them.");
        }

        var byPath = modules.ToDictionary(m => m.Item1, m => m.Item2);
        var attachments = new List<LayerAttachment>();
        foreach (var (path, module) in layers)
        {
            var layer = (DendriteLayer)module;
            if (layer.OwnerPath() is { } owned)
            {
                // Two handles over one layer would each grow it: every growth through one would put the other out of step.
                throw new DendriteWrapException($"Layer '{path}' already belongs to the handle of another model (where it is {(owned.Length == 0 ? "the model itself" : $"'{owned}'")}): a layer can have only one handle. Use that model's handle (Dendrites.TryGetHandle(thatModel, out var handle)), or Unwrap it first.");
            }

            ModuleSlot? slot = null;
            if (path.Length > 0)
            {
                var (parent, _, name) = ModelOrder.ParentOf(model, byPath, path, layer);
                slot = ModuleSlot.TryFind(parent, name, layer);
            }

            attachments.Add(new ReplacedAttachment(path, layer, slot));
        }

        var wrapOptions = new WrapOptions
        {
            Targets = LayerSelector.Where((p, _) => layers.Any(l => l.Item1 == p), "the adopted layers"),
            InitialDendrites = 0,
            Dendrite = ((DendriteLayer)layers[0].Item2).Branch.Options,
            Logger = options.Logger,
        };
        var handle = new DendriticModel(model, attachments, null, wrapOptions);
        Wrapped.Add(model, handle);
        DendriticLog.Adopted(options.Logger, attachments.Count);
        return handle;
    }
}
