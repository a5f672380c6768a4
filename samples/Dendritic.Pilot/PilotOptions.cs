using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dendritic.Pilot;

/// <summary>
/// The pilot's settings after parsing; the defaults are the README's configuration (the MLP). The CNN and the encoder
/// have their own width, epochs, most epochs and learning rate (<see cref="ForModel"/>).
/// </summary>
public sealed record PilotOptions
{
    /// <summary>
    /// Most seeds in one run (<c>--seeds</c>' bound): far above any real run, low enough that the seed list is allocated
    /// without failing.
    /// </summary>
    internal const int MaxSeeds = 10_000;

    private static readonly PilotOptions Defaults = new();

    /// <summary>The model to train. Default <see cref="PilotModel.Mlp"/>.</summary>
    public PilotModel Model { get; init; } = PilotModel.Mlp;

    /// <summary>Encoder only: which layers get dendrites. Default <see cref="Pilot.EncoderTargets.AttentionMlp"/>.</summary>
    public EncoderTargets EncoderTargets { get; init; } = EncoderTargets.AttentionMlp;

    /// <summary>MLP only: which layers get dendrites. Default <see cref="Pilot.MlpTargets.All"/>.</summary>
    public MlpTargets MlpTargets { get; init; } = MlpTargets.All;

    /// <summary>Number of seeds (each runs every arm). Default 10.</summary>
    public int Seeds { get; init; } = 10;

    /// <summary>The first seed; seeds are consecutive from it. Default 1.</summary>
    public int FirstSeed { get; init; } = 1;

    /// <summary>The baseline's epochs. Default 15.</summary>
    public int Epochs { get; init; } = 15;

    /// <summary>Fixed modes: epochs the dendritic arm trains after its dendrites are added. Default 10.</summary>
    public int GrowthEpochs { get; init; } = 10;

    /// <summary>Scheduler modes: non-improving validations that make a plateau (reached; exceeded under classic rules). Default 3.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>
    /// Scheduler modes: the growth rules; null (the default) for the library's defaults (<c>GrowthOptions.Default</c>,
    /// <c>new DendriteOptions()</c>), otherwise the classic rules with the original perforatedai's rules switched on.
    /// </summary>
    public GrowthRuleSet? GrowthRules { get; init; }

    /// <summary>
    /// The dendrites' nonlinearity f (<see cref="DendriteOptions.Activation"/>) in every mode. Default
    /// <see cref="DendriteActivation.Sigmoid"/>, the library's and the original's.
    /// </summary>
    public DendriteActivation DendriteActivation { get; init; } = DendriteActivation.Sigmoid;

    /// <summary>
    /// Scale of new dendrite weights (<see cref="DendriteOptions.InitScale"/>, above 0); null (the default) keeps the
    /// rules' own. Under the default and original rules (normal initialisation) it is the standard deviation, 0.01 by
    /// default; under classic rules without normal-init (the host's own initialisation) a multiple of the host's scale,
    /// 1 by default. Fixed modes use the library's defaults (normal, 0.01).
    /// </summary>
    public double? DendriteInitScale { get; init; }

    /// <summary>Scheduler modes: most dendrite sets per layer. Default 2.</summary>
    public int MaxDendrites { get; init; } = 2;

    /// <summary>Scheduler modes: epochs after which the dendritic arm stops even if the scheduler has not. Default 45.</summary>
    public int MaxEpochs { get; init; } = 45;

    /// <summary>
    /// The baseline's width: hidden units of the MLP (784 → width → 10), first-layer channels of the CNN, d_model of the
    /// encoder. Default 8 (the MLP's: narrow, so capacity matters).
    /// </summary>
    public int Width { get; init; } = 8;

    /// <summary>How the dendritic arm grows. Default <see cref="DendriteMode.Scheduler"/>.</summary>
    public DendriteMode Mode { get; init; } = DendriteMode.Scheduler;

    /// <summary>Fixed modes: dendrite sets added per layer. Default 1.</summary>
    public int DendriteSets { get; init; } = 1;

    /// <summary>"cpu", "cuda" or "cuda:N". Default "cpu".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Folder with MNIST-layout IDX files; null for the digits shipped with the pilot.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Where the report goes, relative to the working directory. Default "out/pilot" (ignored by git).</summary>
    public string OutputFolder { get; init; } = "out/pilot";

    /// <summary>Mini-batch size. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate. Default 0.003.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Share of the training file held out for validation. Default 0.125.</summary>
    public double ValidationFraction { get; init; } = 0.125;

    /// <summary>Grid intensity in g CO2e/kWh for a CO2 figure; null for none.</summary>
    public double? GridIntensity { get; init; }

    /// <summary>
    /// Torch CPU threads. Default 1: the default model is so small that more threads only add synchronisation, and on
    /// a shared machine several spinning threads make wall-clock numbers erratic.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Export the baseline and dendritic models to ONNX, quantize them to int8 and compare (accuracy, size, latency). Default false.</summary>
    public bool Quantize { get; init; }

    /// <summary>
    /// The defaults for <paramref name="model"/>. MLP: width 8, 15 epochs, at most 45, lr 0.003 (the README's run).
    /// CNN: width 4 (4 and 8 channels), 15 epochs, at most 45, lr 0.003. Encoder: d_model 16, 15 epochs, at most 30,
    /// lr 0.002, sized so that a 2-seed CPU run (<c>--model encoder --seeds 2</c>) stays within about 10 minutes on 2 cores.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <returns>The default settings with that model.</returns>
    public static PilotOptions ForModel(PilotModel model) => model switch
    {
        PilotModel.Cnn => new PilotOptions { Model = model, Width = 4 },
        PilotModel.Encoder => new PilotOptions { Model = model, Width = 16, MaxEpochs = 30, LearningRate = 2e-3 },
        _ => new PilotOptions(),
    };

    /// <summary>
    /// The seeds to run: <see cref="Seeds"/> consecutive ones from <see cref="FirstSeed"/>. Valid only for settings
    /// that pass <see cref="Validate"/>, which the pilot calls once before it touches a file.
    /// </summary>
    public IReadOnlyList<int> SeedList => Enumerable.Range(FirstSeed, Seeds).ToArray();

    /// <summary>
    /// Checks the settings that the command line and a config file check while parsing, for settings made in code:
    /// <see cref="Seeds"/> 1 to 10,000 (<c>--seeds</c>) and a last seed of at most <see cref="int.MaxValue"/>
    /// (<c>--first-seed</c>). The pilot calls it once, before it reads data or moves a previous report aside.
    /// </summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="InvalidOptionsException">
    /// One or more settings are out of range; the exception names each (<see cref="Seeds"/> or <see cref="FirstSeed"/>),
    /// its value and the bound (the pilot exits with <see cref="ExitCodes.BadOptions"/>, as for a bad flag).
    /// </exception>
    public PilotOptions Validate()
    {
        // The library's own exception for invalid options, so that the pilot reports these as it reports the library's.
        var problems = new List<InvalidOption>();
        if (Seeds is < 1 or > MaxSeeds)
        {
            problems.Add(new InvalidOption(nameof(Seeds), Seeds, string.Create(CultureInfo.InvariantCulture, $"must be 1 to {MaxSeeds}, like --seeds (default {Defaults.Seeds})")));
        }

        if (Seeds >= 1 && RunsPastLargestSeed(FirstSeed, Seeds))
        {
            problems.Add(new InvalidOption(nameof(FirstSeed), FirstSeed, string.Create(CultureInfo.InvariantCulture, $"with Seeds = {Seeds} it runs past the largest seed, {int.MaxValue}; at most {int.MaxValue - Seeds + 1}, like --first-seed (default {Defaults.FirstSeed})")));
        }

        return problems.Count == 0 ? this : throw new InvalidOptionsException(nameof(PilotOptions), problems);
    }

    /// <summary>Whether <paramref name="seeds"/> seeds from <paramref name="firstSeed"/> end past <see cref="int.MaxValue"/>.</summary>
    internal static bool RunsPastLargestSeed(int firstSeed, int seeds) => (long)firstSeed + seeds - 1 > int.MaxValue;
}
