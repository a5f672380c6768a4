using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <summary>Pruning's log messages; event ids 6001-6099 belong to pruning.</summary>
internal static partial class PruningLog
{
    // {Flops} is text (LayerPruningReport.FlopsSavedText, PruningReport.FlopsSavedText): the number, or why there is
    // none ("unknown (no check pass)"), where a nullable number would print "(null)".
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Pruned layer {Layer}: removed sets [{Removed}] of {Before}, zeroed {Neurons} neurons' dendrites, removed {Parameters} parameters, FLOPs saved per sample {Flops}")]
    public static partial void LayerPruned(ILogger logger, string layer, string removed, int before, long neurons, long parameters, string flops);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Set {Set} of layer {Layer}: output change {Change} {Verdict} MaxOutputChange {MaxOutputChange}")]
    public static partial void SetTried(ILogger logger, int set, string layer, double change, string verdict, double maxOutputChange);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Pruning removed {Sets} dendrite sets and {Parameters} parameters, FLOPs saved per sample {Flops}; largest output change {Change}")]
    public static partial void Summary(ILogger logger, int sets, long parameters, string flops, string change);

    /// <summary>The output change for <see cref="Summary"/>: the number, or why there is none (it printed "(null)").</summary>
    public static string Change(double? change) => change is { } measured
        ? measured.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)
        : "not measured (no validation input given)";
}
