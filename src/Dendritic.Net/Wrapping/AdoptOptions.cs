using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic;

/// <summary>How <see cref="Dendrites.Adopt"/> takes a model built with <see cref="DendriteLayer"/>s by hand. Immutable.</summary>
public sealed record AdoptOptions
{
    /// <summary>The options <see cref="Dendrites.Adopt"/> uses when given none: every value at its documented default.</summary>
    public static AdoptOptions Default { get; } = new();

    /// <summary>
    /// Where the handle's events are logged: growth (the scheduler uses it), checkpoints and unwrapping. Default
    /// <see cref="NullLogger.Instance"/>.
    /// </summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Checks every value and reports all invalid ones at once.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="InvalidOptionsException">One or more values are invalid; the exception lists each.</exception>
    public AdoptOptions Validate()
    {
        var check = new OptionsValidator(nameof(AdoptOptions));
        check.NotNull(Logger, nameof(Logger), "NullLogger.Instance");
        check.ThrowIfInvalid();
        return this;
    }
}
