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
/// error, or turns every weight into NaN.
/// </summary>
/// <remarks>
/// Only TorchSharp's own optimizers (Adam, AdamW, SGD, RMSprop and the rest of its 11) are checked, whose rules are
/// known: every state tensor is shaped like its parameter, and <c>Initialize</c> creates exactly the tensors a step
/// reads without creating them. An optimizer of the user's (derived from <see cref="OptimizerHelper"/>) may keep
/// factored moments, sentinel counters or infinite bests, so its state is loaded as TorchSharp reads it. TorchSharp's
/// state types have no API that lists their tensors, so their public fields are read by reflection.
/// </remarks>
internal static class OptimizerStateCheck
{
    private static readonly Assembly TorchSharpAssembly = typeof(OptimizerHelper).Assembly;

    /// <summary>
    /// Throws unless, for TorchSharp's own optimizers, every state tensor has its parameter's shape and dtype and no NaN,
    /// every tensor that a fresh state would have for the loaded options is there, and every number (step counts,
    /// hyperparameters) is in range.
    /// </summary>
    /// <param name="helper">The optimizer, with the state loaded.</param>
    /// <param name="names">The parameters' names in the model, group by group, as the manifest records them.</param>
    /// <param name="path">The checkpoint, for the message.</param>
    /// <param name="allowNonFinite">Whether NaN state tensors are accepted (<see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>).</param>
    /// <exception cref="CheckpointCorruptedException">A value is out of place; the message names the parameter or group, the field and the value.</exception>
    public static void ThrowIfUnusable(OptimizerHelper helper, IReadOnlyList<IReadOnlyList<string>> names, string path, bool allowNonFinite)
    {
        if (helper.GetType().Assembly != TorchSharpAssembly)
        {
            return;
        }

        var dictionary = helper.state_dict();
        var index = 0;
        for (var g = 0; g < dictionary.Options.Count; g++)
        {
            var options = dictionary.Options[g];
            if (FirstBadNumber(options) is { } bad)
            {
                throw Unusable(path, string.Create(CultureInfo.InvariantCulture, $"parameter group {g}'s {bad}"));
            }

            var group = (ParamGroup)helper.ParamGroups.ElementAt(g);
            Dictionary<Type, List<FieldInfo>> required = [];
            foreach (var (parameter, name) in group.Parameters.Zip(names[g]))
            {
                var state = dictionary.State[index++];
                if (!required.TryGetValue(state.GetType(), out var fields))
                {
                    fields = required[state.GetType()] = RequiredTensors(state.GetType(), parameter, options);
                }

                if (FirstProblem(state, parameter, fields, allowNonFinite) is { } problem)
                {
                    throw Unusable(path, $"the state of parameter '{name}' {problem}");
                }
            }
        }
    }

    private static CheckpointCorruptedException Unusable(string path, string what) => new(
        $"Checkpoint '{path}' has an optimizer state that TorchSharp read but that cannot be trained with: {what}. Its SHA-256 is the recorded one, so the state was saved that way. The optimizer holds that state now: build a new one, and resume from another checkpoint or go on without the saved optimizer state.");

    /// <summary>The first thing wrong with <paramref name="state"/> for <paramref name="parameter"/>; null for none.</summary>
    private static string? FirstProblem(OptimizerState state, Parameter parameter, List<FieldInfo> required, bool allowNonFinite)
    {
        if (FirstBadNumber(state) is { } bad)
        {
            return $"has {bad}";
        }

        var missing = required.Where(f => f.GetValue(state) is null).Select(f => $"'{f.Name}'").ToList();
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

            // NaN only: an infinite second moment can come from training itself (one gradient element above 1.8e19 in
            // float32) and leaves the weights finite, while a NaN moment makes the next step's update NaN.
            if (!allowNonFinite && (tensor.is_floating_point() || tensor.is_complex()))
            {
                using var nan = isnan(tensor).any();
                if (nan.item<bool>())
                {
                    return $"has NaN values in '{field.Name}' (a step would make the parameter NaN; CheckpointLoadOptions.AllowNonFiniteWeights accepts them)";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The tensor fields of <paramref name="stateType"/> that a state freshly initialised for <paramref name="options"/>
    /// has: TorchSharp's <c>Initialize</c> creates exactly those its step reads without creating them. Found on a
    /// 0-element copy of <paramref name="parameter"/>, so that asking costs no memory of the parameter's size.
    /// </summary>
    private static List<FieldInfo> RequiredTensors(Type stateType, Parameter parameter, OptimizerOptions options)
    {
        using var scope = NewDisposeScope();
        using var probe = new Parameter(empty(0, dtype: parameter.dtype, device: parameter.device), requires_grad: false);
        var fresh = (OptimizerState)Activator.CreateInstance(stateType, probe)!;
        fresh.Initialize(options);
        var fields = TensorFields(stateType).ToList();
        var required = fields.Where(f => f.GetValue(fresh) is not null).ToList();
        foreach (var field in fields)
        {
            (field.GetValue(fresh) as Tensor)?.Dispose();
        }

        return required;
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
