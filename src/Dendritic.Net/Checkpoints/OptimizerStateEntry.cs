using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// The optimizer state inside a checkpoint (the <c>optimizer.bin</c> entry, TorchSharp's <c>save_state_dict</c>
/// format, described by <see cref="CheckpointOptimizer"/> in the manifest). The state lives in the checkpoint's own
/// file, written in the same atomic save as the weights, so no save, interrupted or not, can leave weights next to
/// another save's optimizer state. Loading checks the optimizer against the record before TorchSharp reads a byte:
/// TorchSharp loads state by position, fails with a bare <see cref="ArgumentException"/> halfway (state already
/// changed) when the counts differ, and loads silently when the counts agree but the parameters do not.
/// </summary>
internal static class OptimizerStateEntry
{
    public const string EntryName = "optimizer.bin";

    // The most parameter names a mismatch message lists; the count of the rest follows.
    private const int NamesShown = 5;

    /// <summary>
    /// What the manifest will record of <paramref name="optimizer"/>, less the digest and size (known once written):
    /// its type and the names of its parameters in the model. Checked before anything is written.
    /// </summary>
    /// <exception cref="ArgumentException">The optimizer keeps its state natively (TorchSharp cannot save it), or holds a parameter that is not one of the model's, or one twice.</exception>
    public static Described Describe(DendriticModel model, optim.Optimizer optimizer)
    {
        var helper = optimizer as OptimizerHelper ?? throw new ArgumentException(
            $"The optimizer is a {optimizer.GetType().FullName}, whose state TorchSharp cannot save (only optimizers written in .NET, derived from TorchSharp.Modules.OptimizerHelper: Adam, AdamW, SGD, RMSprop, ...). Save the checkpoint without it.",
            nameof(optimizer));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<IReadOnlyList<string>>();
        foreach (var group in Keyed(model, optimizer))
        {
            var list = new List<string>();
            foreach (var (parameter, name) in group)
            {
                if (name is null)
                {
                    throw new ArgumentException(
                        $"The optimizer holds a parameter of shape [{string.Join(", ", parameter.shape)}] that is not one of the model's: it was built from another model, or before the model was wrapped or grown. Build it from the model's TrainableParameters() and save again.",
                        nameof(optimizer));
                }

                if (!seen.Add(name))
                {
                    throw new ArgumentException($"The optimizer holds parameter '{name}' twice; give every parameter to one parameter group only.", nameof(optimizer));
                }

                list.Add(name);
            }

            groups.Add(list);
        }

        return new Described(helper, optimizer.GetType().FullName ?? optimizer.GetType().Name, groups);
    }

    /// <summary>
    /// Refuses an optimizer that is not the one the state was saved from: another type, or other parameters or another
    /// order (named by their keys in <paramref name="model"/>), before the file is read.
    /// </summary>
    /// <exception cref="ArgumentException">The optimizer keeps its state natively.</exception>
    /// <exception cref="CheckpointMismatchException">The type, the parameter groups or their parameters differ; the message names the first difference and the fix.</exception>
    public static OptimizerHelper ThrowIfOtherOptimizer(CheckpointOptimizer recorded, DendriticModel model, optim.Optimizer optimizer, string path)
    {
        var helper = optimizer as OptimizerHelper ?? throw new ArgumentException(
            $"The optimizer is a {optimizer.GetType().FullName}, which keeps its state natively: TorchSharp cannot load state into it.", nameof(optimizer));
        var type = optimizer.GetType().FullName ?? optimizer.GetType().Name;
        if (type != recorded.Type)
        {
            throw new CheckpointMismatchException($"Checkpoint '{path}' holds the state of a {UntrustedText.Name(recorded.Type)}, but the optimizer given is a {type}. Build a {UntrustedText.Name(recorded.Type)} to continue the saved run.");
        }

        var keyed = Keyed(model, optimizer);
        if (keyed.SelectMany(g => g).Any(p => p.Name is null))
        {
            throw new CheckpointMismatchException($"The optimizer holds parameters that are not the loaded model's: build it from the model that DendriteCheckpoint.Load returned (loaded.Handle.TrainableParameters()), not from another model, before loading the state of checkpoint '{path}'.");
        }

        var given = keyed.Select(g => g.Select(p => p.Name!).ToList()).ToList();
        if (given.Count != recorded.ParameterGroups.Count)
        {
            throw new CheckpointMismatchException(string.Create(CultureInfo.InvariantCulture, $"Checkpoint '{path}' holds the state of an optimizer with {recorded.ParameterGroups.Count} parameter group(s), but the optimizer given has {given.Count}. Build it with the same groups as the saved one."));
        }

        for (var g = 0; g < given.Count; g++)
        {
            ThrowIfOtherGroup(recorded.ParameterGroups[g], given[g], g, path);
        }

        return helper;
    }

    /// <summary>
    /// Loads the state from <paramref name="archive"/> into <paramref name="helper"/>: hashed first, in a read of its
    /// own, and read again into the optimizer only when its SHA-256 is the recorded one, hashed again on the way.
    /// </summary>
    /// <param name="archive">The checkpoint.</param>
    /// <param name="recorded">The manifest's record of the state.</param>
    /// <param name="helper">The optimizer to load into, checked against the record.</param>
    /// <param name="path">The checkpoint's path, for messages.</param>
    /// <param name="allowNonFinite">Whether NaN or infinite state tensors are accepted (<see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>).</param>
    /// <exception cref="CheckpointCorruptedException">The entry is missing, of another size or digest, or does not read as the recorded optimizer's state, or reads as one that cannot be trained with (<see cref="OptimizerStateCheck"/>); then the optimizer may be partly changed.</exception>
    public static void Load(CheckpointArchive archive, CheckpointOptimizer recorded, OptimizerHelper helper, string path, bool allowNonFinite)
    {
        archive.VerifyOptimizerState(recorded);
        using var entry = archive.OpenOptimizerState(recorded);
        try
        {
            using var reader = new BinaryReader(entry, Encoding.UTF8, leaveOpen: true);
            helper.load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException or IOException or FormatException or OverflowException or ExternalException or InvalidCastException or OutOfMemoryException)
        {
            // OutOfMemoryException: TorchSharp sizes a shape array from the file before reading it, and a declared
            // length beyond .NET's largest array fails there ("Array dimensions exceeded supported range"). A length
            // below that allocates address space only (untouched until the shape is read, which the entry's end stops).
            // Its digest matched, so the bytes are the ones saved: a file written that way by other code.
            throw new CheckpointCorruptedException($"Checkpoint '{path}' has an optimizer state that does not read as the state of its recorded {UntrustedText.Name(recorded.Type)} ({UntrustedText.Message(e.Message)}); the optimizer may be partly loaded, so build a new one. Resume from another checkpoint, or go on without the saved optimizer state.", e);
        }

        // The stream ends at the recorded size, so reading less is the only way not to read it all.
        if (entry.Count != recorded.Bytes)
        {
            throw new CheckpointCorruptedException(string.Create(CultureInfo.InvariantCulture, $"Checkpoint '{path}' has an optimizer state of {recorded.Bytes} bytes of which the {UntrustedText.Name(recorded.Type)} read {entry.Count}: it was not written by this optimizer type. Build a new optimizer; resume from another checkpoint, or go on without the saved optimizer state."));
        }

        // Hashed again as it was read, as the first read hashed it: bytes changed in place between the two are refused.
        if (entry.Sha256Hex() != recorded.Sha256)
        {
            throw new CheckpointCorruptedException($"Checkpoint '{path}' changed while its optimizer state was read (its SHA-256 is no longer the recorded one); the optimizer may be partly loaded, so build a new one and load the state again.");
        }

        OptimizerStateCheck.ThrowIfUnusable(helper, recorded.ParameterGroups, path, allowNonFinite);
    }

    private static void ThrowIfOtherGroup(IReadOnlyList<string> saved, List<string> given, int group, string path)
    {
        if (saved.SequenceEqual(given, StringComparer.Ordinal))
        {
            return;
        }

        var extra = given.Except(saved, StringComparer.Ordinal).ToList();
        var missing = saved.Except(given, StringComparer.Ordinal).ToList();
        var where = string.Create(CultureInfo.InvariantCulture, $"Checkpoint '{path}' holds the state of an optimizer over {saved.Count} parameter(s) in group {group}, but the optimizer given has {given.Count} there");
        if (extra.Count == 0 && missing.Count == 0)
        {
            var at = Enumerable.Range(0, saved.Count).First(i => saved[i] != given[i]);
            throw new CheckpointMismatchException(string.Create(CultureInfo.InvariantCulture, $"{where}, the same ones in another order (position {at}: '{saved[at]}' saved, '{given[at]}' given). TorchSharp loads optimizer state by position: build the optimizer from the parameters in the model's order, as TrainableParameters() lists them."));
        }

        var parts = new List<string>();
        if (extra.Count > 0)
        {
            parts.Add($"it also holds {List(extra)}, which did not train in the saved run");
        }

        if (missing.Count > 0)
        {
            parts.Add($"it lacks {List(missing)}, which did");
        }

        throw new CheckpointMismatchException($"{where}: {string.Join("; ", parts)}. Build the optimizer after GrowthScheduler.Resume (which sets the dendrite sets' trainability; DendriteCheckpoint.Load sets the base parameters' as saved) from loaded.Handle.TrainableParameters(), and do not change what trains before loading the state.");
    }

    private static string List(List<string> names) =>
        string.Join(", ", names.Take(NamesShown).Select(n => $"'{UntrustedText.Name(n)}'")) + (names.Count > NamesShown ? string.Create(CultureInfo.InvariantCulture, $" and {names.Count - NamesShown} more") : string.Empty);

    // The optimizer's parameters, group by group in its order, each with its key in the model (null for one that is
    // not the model's). OptimizerHelper's groups are ParamGroups; the base type exposes them only as learning-rate
    // controllers.
    private static List<List<(Parameter Parameter, string? Name)>> Keyed(DendriticModel model, optim.Optimizer optimizer)
    {
        var keys = ParameterKeys.ByHandle(model);
        return optimizer.ParamGroups
            .Select(g => (g as ParamGroup ?? throw new ArgumentException($"The optimizer's parameter group is a {g.GetType().FullName}, not a TorchSharp ParamGroup, so its parameters cannot be listed.", nameof(optimizer)))
                .Parameters.Select(p => (p, keys.GetValueOrDefault(p.Handle))).ToList())
            .ToList();
    }

    /// <summary>An optimizer about to be saved: what writes its state, and what the manifest records of it.</summary>
    internal sealed record Described(OptimizerHelper Helper, string Type, IReadOnlyList<IReadOnlyList<string>> Groups)
    {
        /// <summary>Writes the optimizer's state into <paramref name="entry"/> through TorchSharp's writer.</summary>
        public void Write(Stream entry)
        {
            using var writer = new BinaryWriter(entry, Encoding.UTF8, leaveOpen: true);
            Helper.save_state_dict(writer);
            writer.Flush();
        }

        /// <summary>The manifest's record, once the state is written.</summary>
        public CheckpointOptimizer Record(string sha256, long bytes) => new() { Type = Type, ParameterGroups = Groups, Sha256 = sha256, Bytes = bytes };
    }
}
