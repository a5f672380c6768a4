using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <summary>The activation monitor's log messages; event ids 1200-1299 belong to monitoring.</summary>
internal static partial class MonitorLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Layer {Layer}: {Share:P1} of its {Activation} dendrite outputs are saturated (warning level {Level:P0}); saturated dendrites barely learn. Normalise the layer's input (its scale sets the pre-activations' once the dendrite weights have grown), or lower the learning rate or DendriteOptions.InitScale")]
    public static partial void Saturated(ILogger logger, string layer, double share, DendriteActivation activation, double level);
}
