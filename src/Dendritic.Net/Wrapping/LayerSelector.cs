using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic;

/// <summary>
/// Chooses which layers of a model get dendrites. Immutable: each method returns a new selector. A layer is taken
/// when any include rule matches and no exclude rule does. Name rules that match no layer are errors, so a typo
/// never silently wraps nothing. Modules other than Linear and convolutions (module hosts, see <see cref="ModuleHost"/>)
/// are taken only by <see cref="Named"/>, <see cref="OfType{TModule}"/> and <see cref="Where"/>; the layers inside a
/// taken module host are left alone (its copies include them).
/// </summary>
/// <example><code>
/// LayerSelector.AllSupported.Except(LayerSelector.Named("head"))
/// LayerSelector.OfType&lt;Linear&gt;().Or(LayerSelector.NameLike("encoder.*.conv?"))
/// </code></example>
public sealed class LayerSelector
{
    private readonly IReadOnlyList<Rule> _includes;
    private readonly IReadOnlyList<Rule> _excludes;

    private LayerSelector(IReadOnlyList<Rule> includes, IReadOnlyList<Rule> excludes)
    {
        _includes = includes;
        _excludes = excludes;
    }

    /// <summary>Every Linear, Conv1d, Conv2d and Conv3d layer in the model. The default target. Takes no module hosts.</summary>
    public static LayerSelector AllSupported { get; } = Single(new Rule("all supported layers", (_, m) => HostLayerSpec.IsSupported(m), null, TakesModuleHosts: false));

    /// <summary>Layers of type <typeparamref name="TModule"/> (for example <c>Linear</c>, or <c>LSTM</c> as a module host).</summary>
    /// <typeparam name="TModule">A fast-path host type, or a type a <see cref="ModuleHost"/> applies to.</typeparam>
    /// <returns>The selector.</returns>
    public static LayerSelector OfType<TModule>()
        where TModule : nn.Module => Single(new Rule($"type {typeof(TModule).Name}", (_, m) => m is TModule, null, true, typeof(TModule)));

    /// <summary>
    /// Layers by name: an exact path (<c>encoder.fc1</c>) or a suffix on a dot boundary (<c>fc1</c> matches
    /// <c>encoder.fc1</c>). Each name must match at least one layer.
    /// </summary>
    /// <param name="names">Paths or path suffixes as printed by <c>named_modules()</c>.</param>
    /// <returns>The selector.</returns>
    public static LayerSelector Named(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return new LayerSelector(names.Select(n => new Rule($"name '{n}'", (path, _) => path == n || path.EndsWith("." + n, StringComparison.Ordinal), n, true)).ToArray(), Array.Empty<Rule>());
    }

    /// <summary>
    /// Layers whose full path matches a glob: <c>*</c> matches within one path segment, <c>**</c> across segments,
    /// <c>?</c> one character. Must match at least one layer.
    /// </summary>
    /// <param name="glob">The pattern, for example <c>blocks.*.fc?</c>.</param>
    /// <returns>The selector.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="glob"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="glob"/> is empty.</exception>
    public static LayerSelector NameLike(string glob)
    {
        ArgumentException.ThrowIfNullOrEmpty(glob);
        var regex = GlobRegex(glob);

        // A glob spans the whole path, unlike Named's suffix; "conv*" matching nothing in "features.conv1" is the usual
        // slip, so the error names the glob that would have matched at any depth. Built only for that error.
        Regex? anyDepth = null;
        return Single(new Rule($"glob '{glob}'", (path, _) => regex.IsMatch(path), glob, TakesModuleHosts: false)
        {
            AtAnyDepth = path => (anyDepth ??= GlobRegex("**." + glob)).IsMatch(path),
        });
    }

    private static Regex GlobRegex(string glob) => new(
        "^" + Regex.Escape(glob).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^.]*", StringComparison.Ordinal).Replace(@"\?", "[^.]", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));

    /// <summary>Layers whose full path matches <paramref name="regex"/> anywhere. Must match at least one layer.</summary>
    /// <param name="regex">The regular expression.</param>
    /// <returns>The selector.</returns>
    public static LayerSelector NameMatches(Regex regex)
    {
        ArgumentNullException.ThrowIfNull(regex);
        return Single(new Rule($"regex '{regex}'", (path, _) => regex.IsMatch(path), regex.ToString(), TakesModuleHosts: false));
    }

    /// <summary>Layers for which <paramref name="predicate"/> (path, module) returns true; a module it matches that is
    /// not a Linear or convolution becomes a module host when a <see cref="ModuleHost"/> applies to it.</summary>
    /// <param name="predicate">Called once per module of the model.</param>
    /// <param name="description">How the rule is named in error messages.</param>
    /// <returns>The selector.</returns>
    public static LayerSelector Where(Func<string, nn.Module, bool> predicate, string description = "predicate")
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Single(new Rule(description, predicate, null, true));
    }

    /// <summary>Layers taken by this selector or by <paramref name="other"/>.</summary>
    /// <param name="other">Another selector; its exclusions apply too.</param>
    /// <returns>The combined selector.</returns>
    public LayerSelector Or(LayerSelector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new LayerSelector(_includes.Concat(other._includes).ToArray(), _excludes.Concat(other._excludes).ToArray());
    }

    /// <summary>This selector without the layers that <paramref name="excluded"/> includes.</summary>
    /// <param name="excluded">The layers to leave alone.</param>
    /// <returns>The narrowed selector.</returns>
    public LayerSelector Except(LayerSelector excluded)
    {
        ArgumentNullException.ThrowIfNull(excluded);
        return new LayerSelector(_includes, _excludes.Concat(excluded._includes).ToArray());
    }

    /// <summary>A readable summary of the rules, for logs and errors.</summary>
    /// <returns>The summary.</returns>
    public override string ToString()
    {
        var text = string.Join(" or ", _includes.Select(r => r.Description));
        return _excludes.Count == 0 ? text : $"{text}, except {string.Join(" or ", _excludes.Select(r => r.Description))}";
    }

    /// <summary>
    /// Resolves the selector on a model: the chosen layers' paths, in model order. <paramref name="natives"/> are the
    /// model's native modules, whose inner layers a name may match although they are not searchable.
    /// </summary>
    internal IReadOnlyList<(string Path, nn.Module Module)> Select(IReadOnlyList<(string Path, nn.Module Module)> modules, IReadOnlyList<NativeModule> natives, Func<nn.Module, ModuleHost?>? moduleHostFor = null)
    {
        moduleHostFor ??= _ => null;
        var candidates = modules.Where(m => m.Path.Length > 0).ToList();
        var supportedNames = Carriers(candidates, moduleHostFor);
        foreach (var rule in _includes.Concat(_excludes).Where(r => r.NamePattern is not null))
        {
            if (!candidates.Any(m => rule.Matches(m.Path, m.Module)))
            {
                var inside = natives.Select(n => (Native: n, Path: n.InnerPaths().FirstOrDefault(p => rule.Matches(p, n.Module)))).FirstOrDefault(n => n.Path is not null);
                if (inside.Path is not null)
                {
                    throw inside.Native.Error($"The {rule.Description} matches '{inside.Path}', a path inside a native module.");
                }

                throw new DendriteWrapException($"The {rule.Description} matches no layer of the model. Layers that can carry dendrites: {FormatNames(supportedNames)}.{DeeperMatches(rule, candidates)}{NativeNote(natives.Where(n => moduleHostFor(n.Module) is null).ToList())}");
            }
        }

        var chosen = new List<(string, nn.Module)>();
        var hostPrefixes = new List<string>();
        var typeSkipped = new Dictionary<Rule, List<string>>();
        var tookALayer = new HashSet<Rule>();
        foreach (var (path, module) in candidates)
        {
            // A module a ModuleHost covers is taken as a host when any matching rule takes hosts, whatever the order of Or.
            var matching = _includes.Where(r => r.Matches(path, module)).ToList();
            var insideHost = hostPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal));
            var excluded = _excludes.Any(r => r.Matches(path, module));
            foreach (var rule in matching.Where(r => r.NamePattern is not null && !r.TakesModuleHosts))
            {
                // A Linear or convolution matched counts even inside a host or excluded: the pattern names layers it
                // takes. Other types count only where the pattern alone would have reached them.
                if (HostLayerSpec.IsSupported(module))
                {
                    tookALayer.Add(rule);
                }
                else if (!insideHost && !excluded)
                {
                    (typeSkipped.TryGetValue(rule, out var skipped) ? skipped : typeSkipped[rule] = []).Add($"{path} ({module.GetType().Name})");
                }
            }

            if (insideHost)
            {
                // Inside a module host: its dendrite copies include this layer.
                continue;
            }

            var hostable = !HostLayerSpec.IsSupported(module) && moduleHostFor(module) is not null;
            var included = (hostable ? matching.FirstOrDefault(r => r.TakesModuleHosts) : null) ?? matching.FirstOrDefault();
            if (included is null || excluded)
            {
                continue;
            }

            if (module is DendriteLayer || module.GetType().Name is "DendriteBranch" or "DendriteSet" or "DendriteHookContainer")
            {
                continue;
            }

            if (hostable && included.TakesModuleHosts)
            {
                chosen.Add((path, module));
                hostPrefixes.Add(path + ".");
                continue;
            }

            if (!HostLayerSpec.IsSupported(module))
            {
                // A rule that takes a native module (by name, type, glob, regex or predicate) cannot be honoured: say so.
                if (natives.FirstOrDefault(n => ReferenceEquals(n.Module, module)) is { } native)
                {
                    throw native.Error($"The {included.Description} selects a native module.");
                }

                // A broad rule (all layers, a glob) simply skips other module types; a rule that names the layer does not.
                if (included.NamePattern is not null && included.Description.StartsWith("name", StringComparison.Ordinal) || included.ExplicitType is not null)
                {
                    var type = module.GetType().Name;
                    throw new DendriteWrapException(module.parameters().Any()
                        ? $"Layer '{path}' is a {type}, which cannot carry dendrites (selected by {included.Description}). Supported host types: {HostLayerSpec.SupportedTypeNames}, and modules a ModuleHost applies to; no ModuleHost applies to a {type}. Give WrapOptions.ModuleHosts a ModuleHost.For<{type}>(...) (or implement IDendriteHost), or exclude it."
                        : $"Layer '{path}' is a {type}, which cannot carry dendrites (selected by {included.Description}). Supported host types: {HostLayerSpec.SupportedTypeNames}, and modules with parameters a ModuleHost applies to; a {type} has no parameters, so a dendrite copy of it would have nothing to learn. Exclude it from the targets, or select a layer with weights.");
                }

                continue;
            }

            chosen.Add((path, module));
        }

        ThrowIfOnlyOtherTypes(typeSkipped, tookALayer);
        return chosen;
    }

    /// <summary>
    /// Refuses a glob or regex whose every match is of a type it does not take: globs and regexes keep to Linear and
    /// convolutions (so that a broad pattern never puts dendrites on norms by surprise), and one that matches only a
    /// LayerNorm, a block or a ReLU was skipped without a word inside an <see cref="Or"/>, or reported alone as matching
    /// nothing while listing those very modules.
    /// </summary>
    private static void ThrowIfOnlyOtherTypes(Dictionary<Rule, List<string>> typeSkipped, HashSet<Rule> tookALayer)
    {
        foreach (var (rule, skipped) in typeSkipped.Where(r => !tookALayer.Contains(r.Key)))
        {
            throw new DendriteWrapException($"The {rule.Description} matches only {FormatNames(skipped)}, none of them a Linear or convolution layer, which are all that globs and regular expressions select (so that a broad pattern never puts dendrites on norms or blocks by surprise). To give such modules dendrites as a whole (module hosts), select them with LayerSelector.Named(...), OfType<T>() or Where(...); otherwise fix the pattern.");
        }
    }

    /// <summary>
    /// The paths of the layers that can carry dendrites, in model order: the supported layer types by their path, and
    /// the modules a <see cref="ModuleHost"/> covers (LSTM, GRU, ... or the caller's hosts) as "path (Type, as a whole)".
    /// </summary>
    internal static List<string> Carriers(IEnumerable<(string Path, nn.Module Module)> modules, Func<nn.Module, ModuleHost?> moduleHostFor) =>
        modules.Where(m => m.Path.Length > 0 && (HostLayerSpec.IsSupported(m.Module) || moduleHostFor(m.Module) is not null))
            .Select(m => HostLayerSpec.IsSupported(m.Module) ? m.Path : $"{m.Path} ({m.Module.GetType().Name}, as a whole)")
            .ToList();

    internal static string FormatNames(IReadOnlyList<string> names) =>
        names.Count == 0 ? "(none)" : string.Join(", ", names.Take(50)) + (names.Count > 50 ? $", ... ({names.Count} in all)" : string.Empty);

    /// <summary>" Native modules, whose layers cannot be searched: ..." when the model has any; empty otherwise.</summary>
    internal static string NativeNote(IReadOnlyList<NativeModule> natives) =>
        natives.Count == 0 ? string.Empty : $" Native modules, whose inner layers live inside libtorch and cannot carry dendrites: {NativeModule.Describe(natives)} (see docs/wrapping.md, \"TorchSharp's native modules\").";

    /// <summary>
    /// " A glob spans whole paths ...: '**.conv*' matches features.conv1." for a glob that matches nothing from the root
    /// but would match supported layers deeper down; empty otherwise.
    /// </summary>
    private static string DeeperMatches(Rule rule, IEnumerable<(string Path, nn.Module Module)> candidates)
    {
        var deeper = rule.AtAnyDepth is { } atAnyDepth
            ? candidates.Where(m => HostLayerSpec.IsSupported(m.Module) && atAnyDepth(m.Path)).Select(m => m.Path).ToList()
            : [];
        return deeper.Count == 0
            ? string.Empty
            : $" A glob spans the whole path from the model's root (Named matches a suffix): '**.{rule.NamePattern}' matches {FormatNames(deeper)}.";
    }

    private static LayerSelector Single(Rule rule) => new(new[] { rule }, Array.Empty<Rule>());

    private sealed record Rule(string Description, Func<string, nn.Module, bool> Predicate, string? NamePattern, bool TakesModuleHosts, Type? ExplicitType = null)
    {
        /// <summary>For a glob: whether "**." + the glob matches a path, for the hint when the glob matches nothing.</summary>
        public Func<string, bool>? AtAnyDepth { get; init; }

        public bool Matches(string path, nn.Module module) => Predicate(path, module);
    }
}
