using System;
using System.Collections.Generic;
using System.Linq;

namespace Dendritic;

/// <summary>
/// Which base-model parameters (everything that is not a dendrite's: the wrapped layers' hosts and the rest of the
/// model) train, as a checkpoint records it (<see cref="CheckpointManifest.FrozenBaseParameters"/>). A fresh model's
/// parameters all train, so without the record a run that froze its hosts (<see cref="DendriticModel.SetBaseTrainable"/>)
/// resumed training them: an optimizer built from <c>TrainableParameters()</c> then held more tensors than the saved
/// one, and without saved optimizer state the hosts trained silently.
/// </summary>
internal static class BaseTrainability
{
    /// <summary>The keys of the base parameters that do not require gradients now, in model order.</summary>
    public static List<string> Frozen(DendriticModel model) =>
        ParameterKeys.OfBase(model).Where(p => !p.Parameter.requires_grad).Select(p => p.Name).ToList();

    /// <summary>
    /// Checks that every recorded name is a base parameter of <paramref name="model"/> (the weights, matched to the
    /// model before, hold each key, so a name that is not one is a manifest at odds with its own weights).
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A name is not a base parameter of the model.</exception>
    public static void ThrowIfUnknown(DendriticModel model, CheckpointManifest manifest, string path)
    {
        var names = ParameterKeys.OfBase(model).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (manifest.FrozenBaseParameters.FirstOrDefault(n => !names.Contains(n)) is { } unknown)
        {
            throw SafeTensorsFormat.Corrupted(path, $"the manifest field 'frozenBaseParameters' names '{UntrustedText.Excerpt(unknown)}', which is not a parameter of the model outside its dendrites");
        }
    }

    /// <summary>Freezes the recorded base parameters and lets every other base parameter train.</summary>
    public static void Apply(DendriticModel model, CheckpointManifest manifest)
    {
        var frozen = manifest.FrozenBaseParameters.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, parameter) in ParameterKeys.OfBase(model))
        {
            parameter.requires_grad = !frozen.Contains(name);
        }
    }
}
