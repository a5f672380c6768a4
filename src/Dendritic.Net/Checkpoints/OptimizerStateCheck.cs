using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Checks an optimizer state that TorchSharp has just read from a checkpoint, before anyone steps with it. TorchSharp's
/// reader takes a state tensor of any dtype and shape the file declares where the state is optional (SGD's momentum
/// buffer, Adam's <c>max_exp_avg_sq</c>), and hyperparameters as they are: a state with a wrong shape, a missing
/// tensor the options need (Adam with <c>amsgrad</c> and no <c>max_exp_avg_sq</c>), a NaN moment or a learning rate
/// beyond float range loads without a word and fails at the first <c>step()</c> with a bare libtorch or null-reference
/// error, or turns every weight into NaN. TorchSharp's optimizer states have no API to list their tensors, so their
/// public fields are read by reflection (the types are TorchSharp's own: Adam, AdamW, SGD, RMSprop, ...).
/// </summary>
internal static class OptimizerStateCheck
{
    /// <summary>
    /// Throws unless every state tensor of <paramref name="helper"/> has its parameter's shape and dtype and finite
    /// values, every tensor that a fresh state would have for the loaded options is there, and every number (step
    /// counts, hyperparameters) is in range.
    /// </summary>
    /// <param name="helper">The optimizer, with the state loaded.</param>
    /// <param name="names">The parameters' names in the model, group by group, as the manifest records them.</param>
    /// <param name="path">The checkpoint, for the message.</param>
    /// <param name="allowNonFinite">Whether NaN or infinite state tensors are accepted (<see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>).</param>
    /// <exception cref="CheckpointCorruptedException">A value is out of place; the message names the parameter or group, the field and the value.</exception>
    public static void ThrowIfUnusable(OptimizerHelper helper, IReadOnlyList<IReadOnlyList<string>> names, string path, bool allowNonFinite)
    {
        var dictionary = helper.state_dict();
        for (var g = 0; g < dictionary.Options.Count; g++)
        {
            if (FirstBadNumber(dictionary.Options[g]) is { } bad)
            {
                throw Unusable(path, string.Create(CultureInfo.InvariantCulture, $"parameter group {g}'s {bad}"));
            }
        }

        var index = 0;
        for (var g = 0; g < helper.ParamGroups.Count(); g++)
        {
            var group = (ParamGroup)helper.ParamGroups.ElementAt(g);
            foreach (var (parameter, name) in group.Parameters.Zip(names[g]))
            {
                if (FirstProblem(dictionary.State[index++], parameter, group.Options, allowNonFinite) is { } problem)
                {
                    throw Unusable(path, $"the state of parameter '{name}' {problem}");
                }
            }
        }
    }

    private static CheckpointCorruptedException Unusable(string path, string what) => new(
        $"Checkpoint '{path}' has an optimizer state that TorchSharp read but that cannot be trained with: {what}. Its SHA-256 is the recorded one, so the file was written that way by other code. The optimizer holds that state now: build a new one, and resume from another checkpoint or go on without the saved optimizer state.");

    /// <summary>The first thing wrong with <paramref name="state"/> for <paramref name="parameter"/>; null for none.</summary>
    private static string? FirstProblem(object state, Parameter parameter, OptimizerOptions options, bool allowNonFinite)
    {
        if (FirstBadNumber(state) is { } bad)
        {
            return $"has {bad}";
        }

        var missing = MissingTensors(state, parameter, options);
        if (missing.Count > 0)
        {
            return $"lacks {string.Join(", ", missing)}, which its options need (the first step would fail)";
        }

        foreach (var field in TensorFields(state.GetType()))
        {
            if (field.GetValue(state) is not Tensor tensor)
            {
                continue;
            }

            if (tensor.IsInvalid)
            {
                return $"has '{field.Name}' disposed";
            }

            if (tensor.dtype != parameter.dtype || !tensor.shape.SequenceEqual(parameter.shape))
            {
                return $"has '{field.Name}' of {tensor.dtype} [{string.Join(", ", tensor.shape)}], but the parameter is {parameter.dtype} [{string.Join(", ", parameter.shape)}]";
            }

            if (!allowNonFinite && (tensor.is_floating_point() || tensor.is_complex()))
            {
                using var finite = isfinite(tensor).all();
                if (!finite.item<bool>())
                {
                    return $"has NaN or infinite values in '{field.Name}' (a step would make the parameter NaN; CheckpointLoadOptions.AllowNonFiniteWeights accepts them)";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The tensor fields that a state freshly initialised for <paramref name="options"/> has and <paramref name="state"/>
    /// lacks: TorchSharp's <c>Initialize</c> makes exactly those its step reads without creating them.
    /// </summary>
    private static List<string> MissingTensors(object state, Parameter parameter, OptimizerOptions options)
    {
        var fields = TensorFields(state.GetType()).Where(f => f.GetValue(state) is null).ToList();
        if (fields.Count == 0)
        {
            return [];
        }

        var fresh = (OptimizerState)Activator.CreateInstance(state.GetType(), parameter)!;
        using var scope = NewDisposeScope();
        fresh.Initialize(options);
        var missing = fields.Where(f => f.GetValue(fresh) is not null).Select(f => $"'{f.Name}'").ToList();
        foreach (var field in TensorFields(state.GetType()))
        {
            (field.GetValue(fresh) as Tensor)?.Dispose();
        }

        return missing;
    }

    private static IEnumerable<FieldInfo> TensorFields(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Instance).Where(f => f.FieldType == typeof(Tensor));

    /// <summary>
    /// The first public number of <paramref name="target"/> (fields and properties: step counts, learning rates,
    /// betas, eps, momentum) out of range, as "'name' = value"; null for none. Hyperparameters must be finite and
    /// representable as float, since a step converts them to the parameter's dtype; counts must not be negative.
    /// </summary>
    private static string? FirstBadNumber(object target)
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;
        var type = target.GetType();
        var values = type.GetFields(Public).Select(f => (f.Name, Value: f.GetValue(target)))
            .Concat(type.GetProperties(Public).Where(p => p.GetIndexParameters().Length == 0 && p.CanRead).Select(p => (p.Name, Value: p.GetValue(target))));
        foreach (var (name, value) in values)
        {
            var bad = value switch
            {
                double d => !double.IsFinite(d) || Math.Abs(d) > float.MaxValue,
                long l => l < 0,
                int i => i < 0,
                _ => false,
            };
            if (bad)
            {
                return string.Create(CultureInfo.InvariantCulture, $"'{name}' = {value}");
            }
        }

        return null;
    }
}
