using System.Globalization;

namespace Dendritic.Experiments;

/// <summary>How a growth policy's <see cref="IGrowthPolicy.Description"/> names the dendrites it adds.</summary>
internal static class DendriteDescription
{
    /// <summary>For example "Sigmoid dendrites, Normal initialisation (scale 0.01)".</summary>
    public static string Of(DendriteOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"{options.Activation} dendrites, {options.Initialization} initialisation (scale {options.InitScale:G3})");
}
