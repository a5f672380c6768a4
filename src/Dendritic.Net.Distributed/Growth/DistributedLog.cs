using Microsoft.Extensions.Logging;

namespace Dendritic.Distributed;

/// <summary>Log messages of data-parallel growth. Event ids are stable (7000-7099; docs/logging.md lists them).</summary>
internal static partial class DistributedLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "Rank {Rank}: validation score {LocalScore:G6} over {LocalSamples} samples; combined over {WorldSize} ranks: {Score:G6} over {TotalSamples} samples.")]
    public static partial void ScoresCombined(ILogger logger, int rank, double localScore, long localSamples, int worldSize, double score, long totalSamples);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Rank {Rank}: the model changed ({Action}); every rank checked the same structure and took rank 0's values (they were already identical: {WereIdentical}).")]
    public static partial void ModelSynchronized(ILogger logger, int rank, GrowthAction action, bool wereIdentical);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Rank {Rank} failed and aborted the group: {Reason}")]
    public static partial void Aborted(ILogger logger, int rank, string reason);
}
