using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Dendritic.Experiments;

namespace Dendritic.Pilot;

/// <summary>The pilot's command line: options, defaults, validation. Kept apart from Program so tests can parse.</summary>
public static partial class PilotCommandLine
{
    private static readonly PilotOptions Defaults = new();

    // The widest model the harness builds (its capacity-matched search stops there too).
    private static readonly int MaxWidth = ExperimentOptions.Default.MaxWidth;

    // Upper bounds for counts that would otherwise reach int.MaxValue: far above any real run, low enough that what they
    // size (the seed list, torch's thread pool, a batch tensor) is allocated without failing.
    private const int MaxSeeds = PilotOptions.MaxSeeds;
    private const int MaxThreads = 1024;
    private const int MaxBatchSize = 1 << 20;

    // No response files: System.CommandLine would read "@FILE" as more flags from that file, so a config's DataFolder
    // "@x" (its values become tokens, PilotConfigArgs) could pull in flags from another file. The pilot has no @FILE
    // syntax; a token that starts with '@' is a value like any other.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses <paramref name="args"/>; never throws for bad input, returns the errors instead.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The settings, or the errors, or a note that help/version was asked for.</returns>
    public static PilotParse Parse(string[] args) => Parse(args, out _);

    /// <summary>Parses <paramref name="args"/> and also returns the System.CommandLine result (to print help).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="result">The raw parse result.</param>
    /// <returns>The settings, or the errors, or a note that help/version was asked for.</returns>
    public static PilotParse Parse(string[] args, out ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (PilotConfigArgs.TryFind(args, out var configPath, out var afterConfig, out var configError))
        {
            return PilotConfigArgs.Parse(configPath, afterConfig, configError, out result);
        }

        var seeds = Whole("--seeds", $"Number of seeds, at most {MaxSeeds}; every arm runs once per seed.", Defaults.Seeds, 1, MaxSeeds);
        var firstSeed = new Option<int>("--first-seed") { Description = "The first seed; the others follow it.", DefaultValueFactory = _ => Defaults.FirstSeed };
        var model = Choice("--model", "The model. mlp: 784 -> width -> 10; cnn: two 3x3 convolutions (width, 2 x width channels) and a Linear head; encoder: a ViT-style Transformer encoder (16 patch tokens, 2 pre-norm blocks of self-attention from Linear layers and a Linear-GELU-Linear MLP of 2 x width, mean pooling, Linear head) of d_model width, heads the largest of 4, 3, 2, 1 dividing it. Each model has its own defaults for --width, --epochs, --max-epochs, --learning-rate.", "mlp|cnn|encoder", Defaults.Model, Enum.GetValues<PilotModel>().Select(m => (PilotModels.Name(m), m)).ToArray());
        var encoderTargets = Choice("--encoder-targets", "Encoder only: the layers that get dendrites. attention-mlp: every block's attention output projection and both MLP layers; mlp: the MLP layers only; all-linear: every Linear (patch embedding, query, key, value, output, MLP, head).", "attention-mlp|mlp|all-linear", Defaults.EncoderTargets, Enum.GetValues<EncoderTargets>().Select(t => (PilotModels.Name(t), t)).ToArray());
        var mlpTargets = Choice("--mlp-targets", "MLP only: the layers that get dendrites. all: both Linear layers; hidden: the hidden layer (inputs -> width) only; output: the output layer (width -> classes) only.", "all|hidden|output", Defaults.MlpTargets, Enum.GetValues<MlpTargets>().Select(t => (PilotModels.Name(t), t)).ToArray());
        var epochs = PerModel(Positive("--epochs", $"Epochs of the baseline. Default: {PerModelDefault(o => o.Epochs)}.", Defaults.Epochs));
        var growthEpochs = Positive("--growth-epochs", "Fixed modes: epochs the dendritic arm trains after its dendrites are added (the controls train as long).", Defaults.GrowthEpochs);
        var patience = NonNegative("--patience", "Scheduler modes: non-improving validations that make the scheduler act (reached; exceeded with --growth-rules classic).", Defaults.Patience);
        var rules = new Option<string>("--growth-rules")
        {
            HelpName = "default|original|classic|RULE[,RULE...]",
            Description = "Scheduler modes: the growth rules. default: the library's defaults; original: perforatedai 3.0.5's rules (GrowthOptions.PerforatedAICompatible, DendriteOptions.PerforatedAICompatible); classic: the library's rules before docs/parity.md; or a comma-separated list of the original's rules on top of classic: cycle-best, at-patience, skip-first, thresholds, normal-init (docs/parity.md).",
            DefaultValueFactory = _ => GrowthRules.Describe(Defaults.GrowthRules),
        };
        rules.Validators.Add(r =>
        {
            if (ParseRules(r.GetValueOrDefault<string>() ?? string.Empty, out _) is { } error)
            {
                r.AddError(error);
            }
        });
        var activation = Choice("--dendrite-activation", "The dendrites' nonlinearity (DendriteOptions.Activation).", "sigmoid|tanh|hardsigmoid", Defaults.DendriteActivation, new[] { ("sigmoid", DendriteActivation.Sigmoid), ("tanh", DendriteActivation.Tanh), ("hardsigmoid", DendriteActivation.HardSigmoid) });
        var initScale = new Option<double?>("--dendrite-init-scale")
        {
            Description = "Scale of new dendrite weights (DendriteOptions.InitScale): the standard deviation under the default and original rules (default 0.01), a multiple of the host's own initialisation under classic rules without normal-init (default 1). Fixed modes: default 0.01 (the library's).",
            CustomParser = r => ParseNumber(r, "--dendrite-init-scale", v => v > 0, "a number above 0", out var value) ? value : null,
        };
        var maxDendrites = Positive("--max-dendrites", "Scheduler modes: most dendrite sets per layer.", Defaults.MaxDendrites);
        var maxEpochs = PerModel(Positive("--max-epochs", $"Scheduler modes: most epochs of the dendritic arm (the controls train as long as it did). Default: {PerModelDefault(o => o.MaxEpochs)}.", Defaults.MaxEpochs));
        var width = PerModel(Whole("--width", $"The baseline's width: hidden units of the MLP, first-layer channels of the CNN, d_model of the encoder (its MLP is 2 x width). Default: {PerModelDefault(o => o.Width)}.", Defaults.Width, 1, MaxWidth));
        var mode = Choice("--dendrite-mode", "scheduler: the GrowthScheduler (grow on plateaus, keep only growth that helps); scheduler-cc: the same with cascade-correlation; fixed: add dendrites after the baseline's epochs and keep training everything; fixed-frozen-host: the same, but only the dendrites train after growth; off: baseline only.", "scheduler|scheduler-cc|fixed|fixed-frozen-host|off", Defaults.Mode, ModeNames);
        var sets = Positive("--dendrite-sets", "Fixed modes: dendrite sets added to each layer.", Defaults.DendriteSets);
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => Defaults.Device };
        device.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is null || !DeviceName().IsMatch(value))
            {
                r.AddError($"--device must be cpu, cuda or cuda:N, not '{value}'.");
            }
        });
        var data = new Option<string?>("--data") { Description = "Folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (optionally .gz), e.g. full MNIST or Fashion-MNIST. Default: the 10,000 digits shipped with the pilot." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the report (JSON, CSV, Markdown, PNG charts).", DefaultValueFactory = _ => Defaults.OutputFolder };
        var batch = Whole("--batch-size", $"Mini-batch size, at most {MaxBatchSize}.", Defaults.BatchSize, 1, MaxBatchSize);
        var learningRate = PerModel(Real("--learning-rate", $"Adam learning rate. Default: {PerModelDefault(o => o.LearningRate)}.", Defaults.LearningRate, v => v > 0, "a number above 0"));
        var validation = Real("--validation-fraction", "Share of the training file held out for validation (its last part).", Defaults.ValidationFraction, v => v > 0 && v < 1, "a number strictly between 0 and 1");
        var grid = new Option<double?>("--grid-intensity")
        {
            Description = "Grid carbon intensity in g CO2e per kWh; with it, measured energy is also reported as CO2.",
            CustomParser = r => ParseNumber(r, "--grid-intensity", v => v >= 0, "0 or more grams per kWh", out var value) ? value : null,
        };
        var threads = Whole("--threads", $"Torch CPU threads, at most {MaxThreads}; 1 suits the small default model and keeps timings steady on a shared machine.", Defaults.Threads, 1, MaxThreads);

        var quantize = new Option<bool>("--quantize") { Description = "Also export the trained baseline and dendritic models to ONNX, quantize them to int8 (static and dynamic) and report float vs int8 accuracy, file size and ONNX Runtime CPU latency (quantization.md)." };

        // Read before parsing (PilotConfigArgs); declared here for --help.
        var config = new Option<string?>(PilotConfigArgs.Flag) { HelpName = "FILE", Description = "Rerun a report's config.json (docs/pilot.md): every setting comes from the file; flags after --config replace single settings. Must come first." };

        var root = new RootCommand("Dendritic.Net pilot: does adding dendrites beat a wider network or longer training? Trains a narrow model (an MLP by default; a small CNN or a Transformer encoder with --model) on real MNIST digits with a baseline, a dendritic arm, a capacity-matched control and a train-as-long control, over several seeds, and writes a report. `merge FOLDER FOLDER... --output OUT` joins reports of the same configuration run on disjoint seeds into one.")
        {
            model, encoderTargets, mlpTargets, seeds, firstSeed, epochs, growthEpochs, patience, rules, activation, initScale, maxDendrites, maxEpochs, width, mode, sets, device, data, output, batch, learningRate, validation, grid, threads, quantize, config,
        };
        result = root.Parse(args, Parsing);
        if (result.Errors.Count > 0)
        {
            return new PilotParse(null, Errors(result), false);
        }

        if (result.Action is not null)
        {
            return new PilotParse(null, Array.Empty<string>(), true);
        }

        if (PilotOptions.RunsPastLargestSeed(result.GetValue(firstSeed), result.GetValue(seeds)))
        {
            return new PilotParse(null, new[] { $"--first-seed {result.GetValue(firstSeed)} with --seeds {result.GetValue(seeds)} runs past the largest seed, {int.MaxValue}." }, false);
        }

        ParseRules(result.GetValue(rules)!, out var growthRules);
        if (GrowthRules.Options(growthRules).PlateauAtPatience && result.GetValue(patience) < 1)
        {
            return new PilotParse(null, new[] { "--patience must be at least 1 with these growth rules (the plateau fires when the count reaches it; --growth-rules classic allows 0)." }, false);
        }

        var parsed = result;
        T Get<T>(Option<T> option, T fallback) => parsed.GetResult(option) is { Implicit: false } ? parsed.GetValue(option)! : fallback;
        var chosen = Get(model, Defaults.Model);
        // Only a choice that would change something is an error: the default may come along (say, from a settings file).
        if (chosen != PilotModel.Encoder && Get(encoderTargets, Defaults.EncoderTargets) != Defaults.EncoderTargets)
        {
            return new PilotParse(null, new[] { $"--encoder-targets applies to --model encoder only, not --model {PilotModels.Name(chosen)}." }, false);
        }

        if (chosen != PilotModel.Mlp && Get(mlpTargets, Defaults.MlpTargets) != Defaults.MlpTargets)
        {
            return new PilotParse(null, new[] { $"--mlp-targets applies to --model mlp only, not --model {PilotModels.Name(chosen)}." }, false);
        }

        if (chosen == PilotModel.Encoder && result.GetValue(quantize))
        {
            return new PilotParse(null, new[] { "--quantize does not work with --model encoder: the ONNX exporter cannot describe the encoder's own modules (attention, blocks), which do not implement IOnnxExportable. Use it with --model mlp or cnn." }, false);
        }

        // Options not given take the chosen model's defaults.
        var modelDefaults = PilotOptions.ForModel(chosen);
        var options = modelDefaults with
        {
            EncoderTargets = Get(encoderTargets, Defaults.EncoderTargets),
            MlpTargets = Get(mlpTargets, Defaults.MlpTargets),
            Seeds = result.GetValue(seeds),
            FirstSeed = result.GetValue(firstSeed),
            Epochs = Get(epochs, modelDefaults.Epochs),
            GrowthEpochs = result.GetValue(growthEpochs),
            Patience = result.GetValue(patience),
            GrowthRules = growthRules,
            DendriteActivation = Get(activation, Defaults.DendriteActivation),
            DendriteInitScale = result.GetValue(initScale),
            MaxDendrites = result.GetValue(maxDendrites),
            MaxEpochs = Get(maxEpochs, modelDefaults.MaxEpochs),
            Width = Get(width, modelDefaults.Width),
            Mode = Get(mode, Defaults.Mode),
            DendriteSets = result.GetValue(sets),
            Device = result.GetValue(device)!.ToLowerInvariant(),
            DataFolder = result.GetValue(data),
            OutputFolder = result.GetValue(output)!,
            BatchSize = result.GetValue(batch),
            LearningRate = Get(learningRate, modelDefaults.LearningRate),
            ValidationFraction = result.GetValue(validation),
            GridIntensity = result.GetValue(grid),
            Threads = result.GetValue(threads),
            Quantize = result.GetValue(quantize),
        };
        var scheduler = options.Mode is DendriteMode.Scheduler or DendriteMode.SchedulerCascadeCorrelation;
        if (scheduler && options.MaxEpochs < options.Epochs)
        {
            // The controls train as long as the dendritic arm: all of them would train less than the baseline.
            return new PilotParse(null, new[] { string.Create(CultureInfo.InvariantCulture, $"--max-epochs ({options.MaxEpochs}) must be at least --epochs ({options.Epochs}): the dendritic arm, and the controls that train as long as it, would train less than the baseline.") }, false);
        }

        // Options given for the other kind of dendritic arm change nothing: say so rather than ignore them silently.
        var fixedMode = options.Mode is DendriteMode.Fixed or DendriteMode.FixedFrozenHost;
        var ignored = new (Option Option, bool Applies)[]
        {
            (patience, scheduler), (rules, scheduler), (maxDendrites, scheduler), (maxEpochs, scheduler),
            (growthEpochs, fixedMode), (sets, fixedMode), (activation, options.Mode != DendriteMode.Off), (initScale, options.Mode != DendriteMode.Off),
            (mlpTargets, options.Mode != DendriteMode.Off), (encoderTargets, options.Mode != DendriteMode.Off),
        };
        var notes = ignored.Where(o => !o.Applies && parsed.GetResult(o.Option) is { Implicit: false })
            .Select(o => $"{o.Option.Name} does not apply to --dendrite-mode {ModeName(options.Mode)}; it is ignored.")
            .ToArray();
        return new PilotParse(options, Array.Empty<string>(), false) { Notes = notes };
    }

    /// <summary>
    /// The parser's errors, one line each. An option given more than once is named as such: System.CommandLine says
    /// "Option '--seeds' expects a single argument but 2 were provided", which reads as one flag with two values. Words
    /// no option takes are described by <see cref="UnknownArguments"/> (an unknown flag once, not again for its value).
    /// </summary>
    private static string[] Errors(ParseResult result)
    {
        static bool Of(ParseError error, OptionResult option) => error.SymbolResult == option || error.SymbolResult?.Parent == option;
        var repeated = result.CommandResult.Children.OfType<OptionResult>().Where(o => o.IdentifierTokenCount > 1 && result.Errors.Any(e => Of(e, o))).ToArray();
        var times = repeated.Select(o => $"{o.Option.Name} was given {(o.IdentifierTokenCount == 2 ? "twice" : $"{o.IdentifierTokenCount} times")}; give it once.");

        // The root command has no arguments or validators of its own: its errors are the unmatched words, one each.
        var unknown = UnknownArguments.Describe(result);
        var others = result.Errors.Where(e => !repeated.Any(o => Of(e, o)) && (unknown.Count == 0 || e.SymbolResult != result.RootCommandResult));
        return unknown.Concat(times).Concat(others.Select(e => e.Message)).Distinct().ToArray();
    }

    /// <summary>--dendrite-mode's names, for parsing and for naming the mode back.</summary>
    private static readonly (string Name, DendriteMode Mode)[] ModeNames =
    {
        ("scheduler", DendriteMode.Scheduler), ("scheduler-cc", DendriteMode.SchedulerCascadeCorrelation), ("fixed", DendriteMode.Fixed),
        ("fixed-frozen-host", DendriteMode.FixedFrozenHost), ("off", DendriteMode.Off),
    };

    private static string ModeName(DendriteMode mode) => ModeNames.First(m => m.Mode == mode).Name;

    /// <summary>Reads a --growth-rules value; returns the error, or null with the rules (null rules: the library's defaults).</summary>
    private static string? ParseRules(string token, out GrowthRuleSet? rules)
    {
        rules = null;
        if (string.Equals(token, "default", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var set = GrowthRuleSet.Classic;
        foreach (var part in token.Split(',', StringSplitOptions.TrimEntries))
        {
            var match = GrowthRules.Names.FirstOrDefault(n => string.Equals(n.Name, part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                return $"--growth-rules must be default, or a comma-separated list of {string.Join(", ", GrowthRules.Names.Select(n => n.Name))}; '{part}' is none of them.";
            }

            set |= match.Rules;
        }

        rules = set;
        return null;
    }

    /// <summary>An option whose default depends on --model: help shows the per-model defaults in its description instead.</summary>
    private static Option<T> PerModel<T>(Option<T> option)
    {
        option.DefaultValueFactory = null;
        return option;
    }

    private static string PerModelDefault<T>(Func<PilotOptions, T> value) =>
        string.Join(", ", Enum.GetValues<PilotModel>().Select(m => string.Create(CultureInfo.InvariantCulture, $"{value(PilotOptions.ForModel(m))} ({PilotModels.Name(m)})")));

    /// <summary>An option with a fixed set of names, case-insensitive; anything else is an error listing them.</summary>
    /// <remarks>No default value factory, so help shows the default by its command-line name (in the description); an
    /// option not given reads as <paramref name="defaultValue"/> through <c>Get</c> in <see cref="Parse(string[], out ParseResult)"/>.</remarks>
    private static Option<T> Choice<T>(string name, string description, string helpName, T defaultValue, (string Name, T Value)[] choices)
        where T : struct, Enum => new(name)
    {
        HelpName = helpName,
        Description = $"{description} Default: {choices.First(c => Equals(c.Value, defaultValue)).Name}.",
        CustomParser = r =>
        {
            var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
            foreach (var (choice, value) in choices)
            {
                if (string.Equals(token, choice, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            // The enum's own names too (AttentionMlp), as settings files written from PilotOptions spell them; one name:
            // Enum.TryParse reads "Mlp,Cnn" as Mlp | Cnn, which is Cnn.
            if (token.Length > 0 && char.IsLetter(token[0]) && !token.Contains(',', StringComparison.Ordinal) && Enum.TryParse<T>(token, ignoreCase: true, out var named) && Enum.IsDefined(named))
            {
                return named;
            }

            r.AddError($"{name} must be one of {string.Join(", ", choices.Select(c => c.Name))}, not '{token}'.");
            return defaultValue;
        },
    };

    // Custom parsers rather than validators: a validator that reads a value which failed to convert throws.
    private static Option<int> Positive(string name, string description, int defaultValue) => Whole(name, description, defaultValue, 1);

    private static Option<int> NonNegative(string name, string description, int defaultValue) => Whole(name, description, defaultValue, 0);

    private static Option<int> Whole(string name, string description, int defaultValue, int minimum, int maximum = int.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
            if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                r.AddError($"{name} must be a whole number, not '{token}'.");
                return defaultValue;
            }

            if (value < minimum)
            {
                r.AddError($"{name} must be at least {minimum}, not {value}.");
            }
            else if (value > maximum)
            {
                r.AddError($"{name} must be at most {maximum}, not {value}.");
            }

            return value;
        },
    };

    private static Option<double> Real(string name, string description, double defaultValue, Func<double, bool> valid, string expected) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseNumber(r, name, valid, expected, out var value) ? value : defaultValue,
    };

    private static bool ParseNumber(ArgumentResult r, string name, Func<double, bool> valid, string expected, out double value)
    {
        var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value) || !valid(value))
        {
            r.AddError($"{name} must be {expected}, not '{token}'.");
            return false;
        }

        return true;
    }

    [GeneratedRegex("^(cpu|cuda(:[0-9]+)?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DeviceName();
}
