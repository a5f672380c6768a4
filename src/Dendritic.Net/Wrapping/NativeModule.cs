using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// A module whose layers live inside libtorch (TorchSharp's Transformer*, MultiheadAttention, LSTM, GRU, RNN and the
/// recurrent cells): it holds parameters of inner layers that are not registered as submodules, so
/// <c>named_modules()</c> cannot see them and the wrapper can neither replace nor hook them.
/// </summary>
internal sealed class NativeModule
{
    /// <summary>Recurrent modules whose per-layer weights (weight_ih_l0, ...) sit on the module itself.</summary>
    private static readonly HashSet<string> RecurrentTypeNames = new(StringComparer.Ordinal) { "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell" };

    private NativeModule(string path, nn.Module module, IReadOnlyList<string> parameterNames, long parameters)
    {
        Path = path;
        Module = module;
        ParameterNames = parameterNames;
        Parameters = parameters;
    }

    /// <summary>The module's path in the model; empty for the model itself.</summary>
    public string Path { get; }

    public nn.Module Module { get; }

    /// <summary>Its parameters' names relative to the module (<c>layers.0.linear1.weight</c>).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Scalars in its parameters.</summary>
    public long Parameters { get; }

    public string TypeName => Module.GetType().Name;

    /// <summary>How messages name it: its path, or "the model itself" for the root.</summary>
    public string DisplayName => Path.Length == 0 ? "The model itself" : $"'{Path}'";

    /// <summary>The native modules of <paramref name="model"/> (the model itself included), in model order.</summary>
    public static IReadOnlyList<NativeModule> Find(nn.Module model)
    {
        var found = new List<NativeModule>();
        var dendrites = new List<string>();
        foreach (var (path, module) in model.named_modules().Prepend((string.Empty, model)))
        {
            // A module host's dendrite copies (an LSTM's) are dendrites, not native modules of the model.
            if (module is DendriteBranch)
            {
                dendrites.Add(path + ".");
            }

            if (dendrites.Any(d => path.StartsWith(d, StringComparison.Ordinal)))
            {
                continue;
            }

            // Parameters registered on the module itself: a dotted name means an inner layer that is no submodule.
            var own = module.named_parameters(recurse: false).ToList();
            if (own.Count == 0 || !(own.Any(p => p.name.Contains('.', StringComparison.Ordinal)) || IsRecurrent(module)))
            {
                continue;
            }

            found.Add(new NativeModule(path, module, own.Select(p => p.name).ToList(), own.Sum(p => p.parameter.numel())));
        }

        return found;
    }

    /// <summary>
    /// The paths inside this module that a user could name: every parameter and every inner layer
    /// (<c>encoder.layers.0.linear1.weight</c>, <c>encoder.layers.0.linear1</c>, <c>encoder.layers.0</c>, ...).
    /// </summary>
    public IEnumerable<string> InnerPaths()
    {
        var prefix = Path.Length == 0 ? string.Empty : Path + ".";
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in ParameterNames)
        {
            for (var end = name.Length; end > 0; end = name.LastIndexOf('.', end - 1))
            {
                if (!paths.Add(prefix + name[..end]))
                {
                    break;
                }
            }
        }

        return paths;
    }

    /// <summary>Why the wrapper cannot reach into this module and what to do instead, for error messages.</summary>
    public string Explanation() =>
        $"{DisplayName} ({TypeName}) is a native TorchSharp module: its layers live inside libtorch, are not submodules, and cannot be replaced or hooked one by one. " +
        (IsRecurrent(Module)
            ? "To put dendrites on the whole module, select it by name or type (LSTM and GRU are built-in module hosts; others need WrapOptions.ModuleHosts with a copy factory and an output processor), or build the block from Linear layers (the cell's input and recurrent projections)"
            : "To put dendrites into attention, build the block from Linear layers (query, key, value and output projections, and the feed-forward layers); a ModuleHost can host a native module of one or two inputs as a whole (e.g. TransformerEncoderLayer through WrapOptions.ModuleHosts), not MultiheadAttention") +
        " (see docs/wrapping.md, \"TorchSharp's native modules\"), or exclude the module from the selection.";

    /// <summary>
    /// What to do about native modules that carry no dendrites, per kind, for the wrap warning (event 1006): a module a
    /// <see cref="ModuleHost"/> covers (LSTM and GRU built in, others from <paramref name="userHosts"/>) carries them
    /// as a whole once a rule names it; a recurrent module without one can get one; the rest (attention, Transformer
    /// blocks) must be built from Linear layers.
    /// </summary>
    /// <param name="modules">The native modules that carry no dendrites.</param>
    /// <param name="userHosts">The wrap's <see cref="WrapOptions.ModuleHosts"/>.</param>
    public static string SkippedAdvice(IReadOnlyList<NativeModule> modules, IReadOnlyList<ModuleHost> userHosts)
    {
        // The model itself cannot be named as a host (wrapping a bare native module is an error), so it is advised as
        // a module without one.
        var hostable = modules.Where(m => m.Path.Length > 0 && ModuleHost.Find(m.Module, userHosts) is not null).ToList();
        var recurrent = modules.Where(m => !hostable.Contains(m) && IsRecurrent(m.Module)).ToList();
        var other = modules.Where(m => !hostable.Contains(m) && !recurrent.Contains(m)).ToList();
        var advice = new List<string>();
        if (hostable.Count > 0)
        {
            var names = string.Join(", ", hostable.Select(m => $"\"{m.Path}\""));
            advice.Add(
                (hostable.Count == 1
                    ? $"{Names(hostable)} can carry dendrites as a whole (a module host: each dendrite set is a fresh copy of it), but only a rule that names it selects it: "
                    : $"{Names(hostable)} can carry dendrites as whole modules (module hosts: each dendrite set is a fresh copy of its module), but only a rule that names them selects them: ") +
                $"add LayerSelector.Named({names}) to WrapOptions.Targets, e.g. Targets = LayerSelector.Named({names}).Or(LayerSelector.AllSupported) (docs/wrapping.md, \"Dendrites on any module\").");
        }

        if (recurrent.Count > 0)
        {
            advice.Add(
                $"{Names(recurrent)} {(recurrent.Count == 1 ? "has" : "have")} no built-in module host: give WrapOptions.ModuleHosts one (a copy factory and an output processor) and name {(recurrent.Count == 1 ? "it" : "them")} in WrapOptions.Targets, " +
                "or build the recurrent block from Linear layers (docs/wrapping.md, \"TorchSharp's native modules\").");
        }

        if (other.Count > 0)
        {
            advice.Add($"{Names(other)}: {(other.Count == 1 ? "its layers live inside libtorch, out of the wrapper's reach; to put dendrites there, build the block" : "their layers live inside libtorch, out of the wrapper's reach; to put dendrites there, build those blocks")} from Linear layers (docs/wrapping.md, \"TorchSharp's native modules\").");
        }

        return string.Join(" ", advice);
    }

    /// <summary>The typed error for a selection that takes this module or a path inside it.</summary>
    /// <param name="problem">What the selection did, to open the message.</param>
    public NativeModuleException Error(string problem) => new($"{problem} {Explanation()}", Path, TypeName);

    /// <summary>"encoder (TransformerEncoder, 275,008 parameters), ..." for logs and errors.</summary>
    public static string Describe(IEnumerable<NativeModule> modules) =>
        string.Join(", ", modules.Select(m => $"{(m.Path.Length == 0 ? "(the model)" : m.Path)} ({m.TypeName}, {m.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters)"));

    /// <summary>"'rnn' (GRU) and 'encoder' (TransformerEncoder)" for the advice.</summary>
    private static string Names(IReadOnlyList<NativeModule> modules)
    {
        // The model itself, if native, comes first (Find lists it first), where "The" starts the sentence.
        var names = modules.Select(m => $"{m.DisplayName} ({m.TypeName})").ToList();
        return names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];
    }

    private static bool IsRecurrent(nn.Module module) =>
        module.GetType().Assembly == typeof(nn.Module).Assembly && RecurrentTypeNames.Contains(module.GetType().Name);
}
