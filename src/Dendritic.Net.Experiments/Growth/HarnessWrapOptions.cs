using System;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dendritic.Experiments;

/// <summary>The wrap options a growth policy of the harness keeps: validated, with the harness's own choices applied.</summary>
internal static class HarnessWrapOptions
{
    /// <summary>
    /// <paramref name="wrap"/> (defaults when null) validated, with InitialDendrites 0: every arm starts as the plain
    /// model. A logger of its own is refused rather than replaced: the harness wraps with ExperimentOptions.Logger, so
    /// one given here would have logged nothing (a newcomer's trial).
    /// </summary>
    /// <exception cref="InvalidOptionsException">An option of <paramref name="wrap"/> is invalid.</exception>
    /// <exception cref="ArgumentException"><paramref name="wrap"/> sets a logger.</exception>
    public static WrapOptions Prepare(WrapOptions? wrap)
    {
        var options = (wrap ?? new WrapOptions()).Validate();
        var logger = options.Logger.GetType();
        if (logger != typeof(NullLogger) && !(logger.IsGenericType && logger.GetGenericTypeDefinition() == typeof(NullLogger<>)))
        {
            throw new ArgumentException($"WrapOptions.Logger is a {logger.Name}, but the harness wraps the model with ExperimentOptions.Logger, so nothing would reach it: leave WrapOptions.Logger unset and give your logger as ExperimentOptions.Logger, which receives the wrapping, growth and harness events.", nameof(wrap));
        }

        return options with { InitialDendrites = 0 };
    }
}
