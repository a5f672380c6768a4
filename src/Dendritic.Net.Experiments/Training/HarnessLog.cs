using Microsoft.Extensions.Logging;

namespace Dendritic.Experiments;

/// <summary>The harness's log messages; event ids 5100-5199 are stable.</summary>
internal static partial class HarnessLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Arm {Arm}, seed {Seed}: width {Width}, up to {MaxEpochs} epochs")]
    public static partial void ArmStarted(ILogger logger, ArmKind arm, int seed, int width, int maxEpochs);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Arm {Arm}, seed {Seed}: test {Metric} {Test:F4} at best validation epoch {BestEpoch}, {Parameters} parameters, {Seconds:F1} s")]
    public static partial void ArmFinished(ILogger logger, ArmKind arm, int seed, string metric, double test, int bestEpoch, long parameters, double seconds);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Arm {Arm}, seed {Seed}: growth after epoch {Epoch}: {Note}; {Parameters} parameters now")]
    public static partial void Grew(ILogger logger, ArmKind arm, int seed, int epoch, string note, long parameters);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Capacity-matched control, seed {Seed}: width {Width} has {Parameters} parameters for a target of {Target}")]
    public static partial void Matched(ILogger logger, int seed, int width, long parameters, long target);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Energy {Source}")]
    public static partial void Energy(ILogger logger, string source);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "The training targets of '{Data}' hold one class only ({Class}): every arm can score by always answering it, so the comparison says nothing. Check the labels and the split.")]
    public static partial void OneClass(ILogger logger, string data, long @class);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Information, Message = "Arm {Arm}, seed {Seed}: the reported model, from epoch {BestEpoch}, has {Kept} dendrite set(s) per layer; the training ended with {Trained}: the later set(s) were never selected (they did not improve the best validation score, or the epoch cap ended their cycle)")]
    public static partial void SetsNotSelected(ILogger logger, ArmKind arm, int seed, int bestEpoch, int kept, int trained);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Every run's best validation epoch was its first: the harness keeps the epoch with the highest '{Metric}'; if lower is better for it (a loss), give its negation as the metric")]
    public static partial void FirstEpochBest(ILogger logger, string metric);
}
