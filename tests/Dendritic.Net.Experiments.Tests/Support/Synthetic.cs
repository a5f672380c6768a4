using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Experiments.Tests.Support;

/// <summary>A tiny 3-class problem (6 features, labels from a fixed random linear rule) and an MLP for it.</summary>
internal static class Synthetic
{
    public const int Features = 6;
    public const int Classes = 3;

    public static ExperimentData Data(int train = 240, int validation = 60, int test = 60)
    {
        using var generator = new Generator(42);
        using var rule = randn(new long[] { Features, Classes }, generator: generator);
        DataSplit Split(int count)
        {
            var x = randn(new long[] { count, Features }, generator: generator);
            return new DataSplit(x, x.matmul(rule).argmax(1));
        }

        return new ExperimentData("synthetic", Split(train), Split(validation), Split(test));
    }

    public static ModelFactory Factory => width => new Mlp(width);

    /// <summary>A one-output MLP for <see cref="Regression"/>.</summary>
    public static ModelFactory Regressor => width => nn.Sequential(nn.Linear(Features, width), nn.ReLU(), nn.Linear(width, 1));

    /// <summary>Float targets, the sum of the features: [n, 1] like the regressor's outputs, or [n] without <paramref name="targetAxis"/>.</summary>
    public static ExperimentData Regression(bool targetAxis)
    {
        using var generator = new Generator(43);
        DataSplit Split(int count)
        {
            var x = randn(new long[] { count, Features }, generator: generator);
            var y = x.sum(1);
            return new DataSplit(x, targetAxis ? y.unsqueeze(-1) : y);
        }

        return new ExperimentData("regression", Split(240), Split(60), Split(60));
    }

    /// <summary><paramref name="options"/> with mean squared error as the loss and its negation as the metric.</summary>
    public static ExperimentOptions RegressionOptions(ExperimentOptions options) => options with
    {
        Loss = (outputs, targets) => nn.functional.mse_loss(outputs, targets),
        Metric = (outputs, targets) => -nn.functional.mse_loss(outputs, targets).item<float>(),
        MetricName = "negative MSE",
    };

    /// <summary>The harness tests' small experiment on <see cref="Data"/>: width 4, 3 epochs of batch 32 at lr 0.01, short latency runs.</summary>
    public static ExperimentOptions TinyOptions(params int[] seeds) => new()
    {
        Seeds = seeds,
        Width = 4,
        Recipe = new TrainingRecipe { Epochs = 3, BatchSize = 32, LearningRate = 0.01 },
        LatencyRepeats = 3,
        LatencyBatchSize = 16,
    };

    public static GrowthContext Context(Tensor sample) => new()
    {
        BaselineEpochs = 3,
        LearningRate = 0.01,
        SampleInput = sample,
        TrainingLosses = () => System.Array.Empty<Tensor>(),
        Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
    };

    /// <summary>Parameters of <see cref="Mlp"/> at a width: (6+1)·w + (w+1)·3.</summary>
    public static long ParametersAt(int width) => ((Features + 1) * width) + ((width + 1) * Classes);

    /// <summary>Fields typed as the concrete layer: the wrapper attaches dendrites with forward hooks.</summary>
    internal sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear hidden;
        private readonly ReLU relu;
        private readonly Linear output;

        public Mlp(int width)
            : base(nameof(Mlp))
        {
            hidden = nn.Linear(Features, width);
            relu = nn.ReLU();
            output = nn.Linear(width, Classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => output.call(relu.call(hidden.call(input)));
    }

    /// <summary>A model whose only layer is called with forward(), which the wrapper cannot reach.</summary>
    internal sealed class Bypassing : nn.Module<Tensor, Tensor>
    {
        private readonly Linear layer;

        public Bypassing()
            : base(nameof(Bypassing))
        {
            layer = nn.Linear(Features, Classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => layer.forward(input);
    }
}
